"""Reading back the artifacts an offline run logged, each file checked against its digest.

Offline, ``Artifact.download`` cannot fetch an artifact, but the run's log records it
(metadata, aliases, files with their digests) and W&B keeps a local copy of each file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import wandb_internals  # every private piece of W&B the series relies on
from wandb_helpers.runs import OfflineRun, read_run_log


@dataclass
class OfflineArtifact:
    """An artifact as an offline run logged it, its files checked against their digests."""

    name: str
    type: str
    digest: str  # W&B's digest of the whole manifest (hex)
    aliases: list
    metadata: dict
    # Artifact path ("model.npz") -> the local copy, to load from. The copies are
    # absolute paths outside the project: kept out of repr, so out of notebook outputs.
    files: dict = field(repr=False)


def _artifact_file(record: dict, entry: dict) -> Path:
    """The local copy of one manifest entry, after checking it against its digest."""

    where = (f"artifact {record['name']!r} of run {record.get('run_id', '?')},"
             f" file {entry['path']!r}")
    if entry.get("ref"):
        raise ValueError(f"{where}: a reference, of which W&B keeps no local copy")
    algorithm = record.get("digest_algorithm") or "MANIFEST_MD5"
    if algorithm not in wandb_internals.FILE_DIGESTS:
        raise ValueError(f"{where}: unknown digest algorithm {algorithm}")
    cache_folder = wandb_internals.FILE_DIGESTS[algorithm][1]
    # Offline, W&B leaves its staging copy (the file as it was when logged) in
    # place; uploading it (`wandb sync`) moves it into W&B's artifact cache.
    hex_digest = wandb_internals.b64_to_hex(entry["digest"])
    candidates = [Path(entry["local_path"])] if entry.get("local_path") else []
    cache = wandb_internals.artifact_cache_dir() / "obj" / cache_folder
    candidates.append(cache / hex_digest[:2] / hex_digest[2:])
    copies = [path for path in candidates if path.is_file()]
    for path in copies:
        if wandb_internals.file_digest(path, algorithm) == entry["digest"]:
            return path
    if copies:
        raise ValueError(f"{where}: the local copy no longer matches the digest W&B logged;"
                         " it was changed after the run logged it")
    raise FileNotFoundError(f"{where}: W&B's local copy is gone (neither its staging copy"
                            " nor its artifact cache has it); log the artifact again")


def read_offline_artifact(run, name, wait=2.0) -> OfflineArtifact:
    """Read back an artifact that an offline run logged, with ``run.log_artifact``.

    Offline, ``Artifact.download`` cannot fetch it, but the run's log records the
    artifact (metadata, aliases, files with their digests) and W&B keeps a copy
    of each file; this checks each copy against its digest.

    Parameters
    ----------
    run : OfflineRun, or str or Path
        The run, or its folder (or ``.wandb`` file) as for `read_offline_run`.
    name : str
        The artifact's name, as given to ``wandb.Artifact(name, ...)``. If the run
        logged several versions of it, the last one is read.
    wait : float
        As for `read_offline_run`, for a run that finished a moment ago.

    Returns
    -------
    OfflineArtifact
        ``files["model.npz"]`` is a path to load that file from.

    Raises
    ------
    KeyError
        If the run logged no artifact of that name (the message lists those it did).
    FileNotFoundError
        If the local copy of a file is gone.
    ValueError
        If a file was changed after it was logged.
    """
    if isinstance(run, OfflineRun):
        if run.path is None:
            raise ValueError(f"run {run.id} was read from W&B's server:"
                             " use wandb.Api().artifact(...)")
        run = run.path
    _, _, records, _ = read_run_log(run, wait)
    logged = {}  # name -> the last artifact record of that name
    for line in records.splitlines():
        if '"type":"artifact"' in line[:40]:
            record = json.loads(line)["artifact"]
            logged[record["name"]] = record
    if name not in logged:
        names = ", ".join(repr(n) for n in logged) or "none"
        raise KeyError(f"run {Path(run).name} logged no artifact {name!r}; it logged: {names}")
    record = logged[name]
    return OfflineArtifact(
        name=record["name"],
        type=record["type"],
        digest=record["digest"],
        aliases=list(record.get("aliases", [])),
        metadata=json.loads(record.get("metadata") or "{}"),
        files={entry["path"]: _artifact_file(record, entry)
               for entry in record["manifest"]["contents"]},
    )
