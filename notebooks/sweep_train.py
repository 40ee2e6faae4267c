"""The sweep's training function (written by notebook 03): one W&B run per call."""
import sys
from pathlib import Path

import wandb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find mnist_utils from any folder
import mnist_utils as mu  # noqa: E402

# Each sweep run trains on the first 10,000 training images (the split is shuffled and
# stratified, so they are a fair sample) for 1-3 epochs and is scored on all 10,000
# validation images: a cheap proxy of the full budget (50,000 images, 10 epochs), whose
# ranking notebook 04 checks at that budget. The final model (notebook 05) trains on all.
SWEEP_TRAIN_SIZE = 10_000

# The data is the same for every run, so it is loaded once, when this file is imported.
(x_train, t_train), val_set, _ = mu.load_splits(verbose=False)
train_set = x_train[:SWEEP_TRAIN_SIZE].copy(), t_train[:SWEEP_TRAIN_SIZE].copy()
del x_train, t_train


def train(config=None):
    with wandb.init(config=config) as run:
        cfg = wandb.config  # this run's values, chosen by the sweep
        net = mu.make_net(cfg)  # network, hidden_size1, hidden_size2 (Net2 only), seed
        optimizer = mu.get_optimizer(cfg.optimizer, cfg.lr)
        watch = mu.TrainingWatch(net, optimizer)  # records what training really uses
        history = mu.fit(net, train_set, val_set, epochs=cfg.epochs, batch_size=cfg.batch_size,
                         optimizer=optimizer, lr_schedule=cfg.get("lr_schedule", "constant"),
                         seed=cfg.get("seed", 0), on_epoch_end=wandb.log,
                         on_step_end=watch.on_step_end, progress=False)
        run.summary["best_val_acc"] = float(history["val_acc"].max()) if len(history) else float("nan")
        run.summary["status"] = history.status
        # What training used, read from the net, optimizer and batches, not from cfg. The
        # sweep locks the config it chose (W&B ignores a change to it, with a warning), so a
        # Net1 run's config keeps the hidden_size2 it drew; here that width is None.
        run.summary["used"] = watch.used()


if __name__ == "__main__":  # `wandb agent` runs this file as the sweep's program
    train()
