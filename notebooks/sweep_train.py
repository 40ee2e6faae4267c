"""The sweep's training function (written by notebook 03): one W&B run per call."""
import sys
from pathlib import Path

import wandb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # find mnist_utils from any folder
import mnist_utils as mu  # noqa: E402

# Each sweep run trains on the first 10,000 training images (the split is shuffled and
# stratified, so they are a fair sample) and is scored on all 10,000 validation images:
# forty runs then take about a minute. The final model (notebook 05) trains on all 60,000.
SWEEP_TRAIN_SIZE = 10_000

# The data is the same for every run, so it is loaded once, when this file is imported.
(x_train, t_train), val_set, _ = mu.load_splits(verbose=False)
train_set = x_train[:SWEEP_TRAIN_SIZE].copy(), t_train[:SWEEP_TRAIN_SIZE].copy()
del x_train, t_train


def train(config=None):
    with wandb.init(config=config) as run:
        cfg = wandb.config  # this run's values, chosen by the sweep
        # network, hidden_size1, hidden_size2, seed: Net1 has one hidden layer, so make_net
        # ignores the hidden_size2 a Net1 run draws.
        net = mu.make_net(cfg)
        history = mu.fit(net, train_set, val_set, epochs=cfg.epochs, batch_size=cfg.batch_size,
                         optimizer=cfg.optimizer, lr=cfg.lr, seed=cfg.get("seed", 0),
                         on_epoch_end=wandb.log, progress=False)
        run.summary["best_val_acc"] = float(history["val_acc"].max()) if len(history) else float("nan")
        run.summary["status"] = history.status


if __name__ == "__main__":  # `wandb agent` runs this file as the sweep's program
    train()
