"""A local sweep on disk: its folder, its ``sweep.yaml`` and Optuna's journal of its trials.

Sweep state lives in ``.sweeps/<sweep_id>/`` under the working directory (the package
docstring lists its files). Several agents, in several processes or on several machines
sharing the folder, read and write it at once: they append to one journal (under
``journal.lock``), and take ``claim.lock`` only to claim a trial.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import math
import os
import re
import secrets
import shutil
import string
import warnings
from pathlib import Path

import optuna
import yaml
from optuna.trial import TrialState

from .yamlfiles import Dumper, SafeLoader

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

SWEEPS_DIR = Path(".sweeps")
# What new_id() makes, and what W&B's sweep ids look like: the only names a sweep folder has.
SWEEP_ID = re.compile(r"[a-z0-9]{8}")


class SweepNotFoundError(LookupError):
    """No local sweep has this id."""


class SweepIdError(SweepNotFoundError, ValueError):
    """Not something a sweep id can be (``..``, a path): no folder is ever looked up for it."""


class SweepStateError(RuntimeError):
    """A local sweep's files (``sweep.yaml``, ``journal.log``) are damaged beyond repair."""


class SweepFolderError(OSError):
    """The sweep's folder cannot be written (permissions, a full disk, a file in the way)."""


def folder_error(error):
    """An operating-system error on the sweep state as one line: the path, why, what to do."""
    if isinstance(error, SweepFolderError):
        return error
    where = error.filename or SWEEPS_DIR
    return SweepFolderError(f"cannot write {where}: {error.strerror or error}; run the sweep "
                            f"from a folder you can write to, on a disk with room")


def sweep_id_of(text):
    """The sweep id in ``text``, which may be W&B's ``entity/project/id``; else SweepIdError.

    An id names a folder under ``.sweeps/``, so anything else (``..``, ``.``, a path) is
    refused before any file is read.
    """
    parts = str(text).rstrip("/").split("/")
    if (len(parts) > 3 or not SWEEP_ID.fullmatch(parts[-1])
            or any(part in ("", ".", "..") for part in parts[:-1])):
        raise SweepIdError(f"not a sweep id: {str(text)!r}; ids look like 8 letters and digits "
                           f"(lowercase, as sweep() prints them; W&B's entity/project/id "
                           f"spelling is accepted too)")
    return parts[-1]


def now():
    return datetime.datetime.now(datetime.UTC)


@contextlib.contextmanager
def quiet_optuna():
    """Hide Optuna's INFO lines ("A new study created..."): readers see ours instead."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


class ProcessLock:
    """An exclusive lock between processes, held as ``flock`` on the file ``path``.

    It has the two methods Optuna asks of a journal's lock, ``acquire`` and ``release``.
    The kernel lets go of it when its holder ends, however it ends: an agent killed while
    holding it leaves nothing behind. (Optuna's default journal lock is a symlink that a
    killed holder leaves in place; its 30 s grace period cannot free it when the journal's
    path is relative, as ``.sweeps/`` is, because the link then points nowhere and its age
    cannot be read: every later agent waited for it forever.)
    """

    def __init__(self, path):
        self.path = str(path)
        self._file = None

    def acquire(self):
        f = open(self.path, "a")  # noqa: SIM115 (open until release())
        try:
            fcntl.flock(f, fcntl.LOCK_EX)
        except BaseException:
            f.close()
            raise
        self._file = f
        return True

    def release(self):
        f, self._file = self._file, None
        try:
            fcntl.flock(f, fcntl.LOCK_UN)
        finally:
            f.close()


def process_lock(path):
    """A lock between processes on ``path``: ``ProcessLock``, or on Windows (no ``flock``)
    Optuna's lock file, which it frees 30 s after a holder died."""
    if fcntl is None:
        return optuna.storages.journal.JournalFileOpenLock(os.path.abspath(path))
    return ProcessLock(path)


@contextlib.contextmanager
def file_lock(path):
    """An exclusive lock between processes; agents hold it only to claim a trial."""
    lock = process_lock(path)
    lock.acquire()
    try:
        yield
    finally:
        lock.release()


def whole_records_end(f):
    """The size of the file open as ``f`` up to its last whole (newline-ended) record."""
    size = f.seek(0, os.SEEK_END)
    end = size
    while end > 0:
        start = max(0, end - 4096)
        f.seek(start)
        chunk = f.read(end - start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            return start + newline + 1
        end = start
    return 0


class Journal(optuna.storages.journal.JournalFileBackend):
    """Optuna's journal file, cut back to its last whole record before each append.

    A full disk (or a process killed inside ``write``) leaves a record cut off. Optuna
    skips a cut-off last line when reading, but the next append would glue a new
    record onto it, and that line would make the whole journal unreadable for good.
    The repair happens under the append lock (``journal.lock`` beside it, a
    ``ProcessLock``), so it never cuts a record that another agent is writing at that
    moment.
    """

    def __init__(self, file_path):
        lock = process_lock(Path(file_path).with_name("journal.lock"))
        super().__init__(file_path, lock_obj=lock)

    def read_logs(self, log_number_from):
        try:
            yield from super().read_logs(log_number_from)
        except ValueError as e:  # json.JSONDecodeError, or Optuna's "Invalid log format."
            raise SweepStateError(
                f"{self._file_path} is damaged in the middle ({e}), so the sweep's trials "
                f"cannot be read back; its runs are still in wandb/ (list_offline_runs), "
                f"and a new sweep() starts afresh") from None

    def append_logs(self, logs):
        text = ("\n".join(json.dumps(log, separators=(",", ":")) for log in logs) + "\n")
        self._lock.acquire()
        try:
            with open(self._file_path, "r+b") as f:
                end = whole_records_end(f)
                size = f.seek(0, os.SEEK_END)
                if end < size:
                    warnings.warn(f"{self._file_path}: its last record was cut off (a full disk, "
                                  f"or a process killed while writing); removed those "
                                  f"{size - end} bytes, every whole record is kept", stacklevel=2)
                    f.truncate(end)
                f.seek(end)
                try:
                    f.write(text.encode("utf-8"))
                    f.flush()
                    os.fsync(f.fileno())
                except OSError:
                    f.truncate(end)  # leave no half record behind (disk full)
                    raise
        finally:
            self._lock.release()


def storage(folder):
    """Optuna's journal storage over a sweep folder's ``journal.log``."""
    return optuna.storages.JournalStorage(Journal(str(Path(folder) / "journal.log")))


def read_meta(meta_path):
    """A sweep's ``sweep.yaml`` as a dict, or SweepStateError naming the file."""
    try:
        with open(meta_path) as f:
            meta = yaml.load(f, Loader=SafeLoader)
    except yaml.YAMLError as e:
        raise SweepStateError(f"{meta_path} is damaged (not YAML: {e})") from None
    missing = [key for key in ("id", "created", "project", "entity", "seed", "config")
               if not isinstance(meta, dict) or key not in meta]
    if missing or not isinstance(meta["config"], dict) or "method" not in meta["config"]:
        raise SweepStateError(f"{meta_path} is damaged: it lacks "
                              f"{', '.join(missing) or 'config.method'}; sweep() writes id, "
                              f"created, project, entity, seed and config")
    return meta


class LocalSweep:
    """The on-disk state of one local sweep, and its Optuna study."""

    def __init__(self, sweep_id):
        # Accept W&B's "entity/project/id" spelling too; locally only the id matters.
        sweep_id = sweep_id_of(sweep_id)
        self.id = sweep_id
        self.dir = SWEEPS_DIR / sweep_id
        meta_path = self.dir / "sweep.yaml"
        if not meta_path.is_file():
            known = sorted(p.name for p in SWEEPS_DIR.glob("*") if (p / "sweep.yaml").is_file())
            known_text = ", ".join(known) if known else "none yet; create one with sweep()"
            raise SweepNotFoundError(
                f"no local sweep {sweep_id!r} in {SWEEPS_DIR}/ here (sweeps live in the "
                f"folder where sweep() ran: start agents there); known here: {known_text}")
        meta = read_meta(meta_path)
        self.config = meta["config"]
        self.project, self.entity, self.seed = meta["project"], meta["entity"], meta["seed"]
        self.method = self.config["method"]
        self.metric = self.config.get("metric")
        if not (self.dir / "journal.log").is_file():
            raise SweepStateError(f"{self.dir / 'journal.log'} is missing: the sweep's trials "
                                  f"are gone (its runs are still in wandb/)")
        self.storage = storage(self.dir)

    def lock(self):
        """The claim lock: held by one agent at a time, only while it claims a trial."""
        return file_lock(self.dir / "claim.lock")

    def heartbeat_path(self, number):
        """The file trial ``number``'s agent keeps beating while the trial runs."""
        return self.dir / "heartbeats" / str(number)

    def study(self, sampler=None):
        """The sweep's Optuna study, asking ``sampler`` for new trials."""
        with quiet_optuna():
            try:
                return optuna.load_study(study_name=self.id, storage=self.storage, sampler=sampler)
            except KeyError:  # Optuna's "Record does not exist": no study of this name
                raise SweepStateError(f"{self.dir / 'journal.log'} holds no study {self.id!r}: "
                                      f"it is damaged or belongs to another sweep") from None

    def trials(self):
        """Every trial of the sweep, as Optuna holds them."""
        return self.study().get_trials(deepcopy=False)

    def record(self, study, number, state, interrupted=False, end=None, **fields):
        """Store a trial's outcome in its user attrs, then finish it in Optuna."""
        store = self.storage
        trial_id = store.get_trial_id_from_study_id_trial_number(
            store.get_study_id_from_name(self.id), number)
        frozen = store.get_trial(trial_id)
        if frozen.state.is_finished():
            # Another agent reclaimed it (no heartbeat within the grace period, say
            # the network share stalled); its first verdict stands.
            warnings.warn(f"trial {number} of sweep {self.id} was already ended as "
                          f"{frozen.user_attrs.get('state', frozen.state.name.lower())} by "
                          f"another agent; this agent's {state!r} is kept only in its W&B run",
                          stacklevel=2)
            return
        start = frozen.user_attrs.get("start")
        end = end or now()
        fields = {k: v for k, v in fields.items() if v is not None}
        fields.update(state=state, end=end.isoformat(), interrupted=interrupted)
        if start:
            fields["runtime"] = (end - datetime.datetime.fromisoformat(start)).total_seconds()
        for key, value in fields.items():
            store.set_trial_user_attr(trial_id, key, value)
        value = fields.get("metric")
        if state == "finished" and not self.metric:
            # Optuna needs an objective value; a sweep without a metric has none,
            # and grid/random search never reads it. Results show no metric column.
            study.tell(number, 0.0)
        elif state == "finished" and value is not None and math.isfinite(value):
            study.tell(number, value)
        elif state == "stopped":
            study.tell(number, state=TrialState.PRUNED)
        else:
            # Failed, or finished with a NaN/inf metric: samplers must not learn from it.
            study.tell(number, state=TrialState.FAIL)


def new_id():
    """An 8-character base-36 id, like W&B's sweep and run ids."""
    alphabet = string.ascii_lowercase + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(8))




def create(config, project, entity, seed):
    """Write a new sweep folder for a validated config and return its id.

    The folder counts as a sweep only once its ``sweep.yaml`` is there, and that file
    is written last, whole (renamed into place).
    """
    sweep_id = new_id()
    while (SWEEPS_DIR / sweep_id).exists():
        sweep_id = new_id()
    folder = SWEEPS_DIR / sweep_id
    # The seed makes a sweep's search repeatable from its state, whatever the clock.
    # Microseconds: find_sweep picks the newest, and two sweeps may start in one second.
    meta = {"id": sweep_id, "created": now().isoformat(timespec="microseconds"),
            "project": project, "entity": entity, "seed": seed, "config": config}
    direction = (config.get("metric") or {}).get("goal", "minimize")
    try:
        (folder / "params").mkdir(parents=True)
        with quiet_optuna():
            optuna.create_study(storage=storage(folder), study_name=sweep_id, direction=direction)
        with open(folder / "sweep.yaml.part", "w") as f:
            yaml.dump(meta, f, Dumper=Dumper, sort_keys=False)
        os.replace(folder / "sweep.yaml.part", folder / "sweep.yaml")
    except OSError as e:
        shutil.rmtree(folder, ignore_errors=True)   # no half-made sweep for find_sweep to meet
        raise folder_error(e) from None
    return sweep_id


def metas():
    """``(path, meta)`` of every sweep here with a readable ``sweep.yaml``, oldest path first.

    A damaged one is skipped with a warning naming it: it must not hide the others.
    """
    found = []
    for meta_path in sorted(SWEEPS_DIR.glob("*/sweep.yaml")):
        try:
            meta = read_meta(meta_path)
            meta["created"] = datetime.datetime.fromisoformat(str(meta["created"]))
            if sweep_id_of(meta["id"]) != meta_path.parent.name:
                raise SweepStateError(f"its id {meta['id']!r} is not its folder's name")
        except (SweepStateError, ValueError) as e:
            warnings.warn(f"skipped {meta_path.parent}: {e}", stacklevel=3)
            continue
        found.append((meta_path, meta))
    return found
