"""``studio train gan|autoencoder``: train a model on the music21 corpus or your MIDI files."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from studio.commands.common import (
    EXIT_OK,
    cancel_on_interrupt,
    check_melody_source,
    print_json,
    progress_bar,
)
from studio.core.errors import InvalidInput

DEFAULT_EPOCHS = {"gan": 200, "autoencoder": 30}


def default_out_dir(model: str = "gan") -> Path:
    """Where training runs go unless ``--out`` says otherwise."""
    from platformdirs import user_data_path

    return user_data_path("motif-studio") / "training" / model


def register(commands, common: argparse.ArgumentParser) -> None:
    """Add the ``train`` subcommand."""
    parser = commands.add_parser(
        "train",
        parents=[common],
        help="train a model on the offline corpus or your own MIDI files",
        description="Train the melody GAN or the passage autoencoder (the features behind "
        "'similar tracks'). Runs on the CPU, or CUDA when present (the GAN); under "
        "`torchrun --nproc-per-node=N -m studio train MODEL …` it trains on N processes.",
    )
    parser.add_argument("model", choices=["gan", "autoencoder"], help="which model to train")
    parser.add_argument(
        "--data", default="music21",
        help="'music21' (the public-domain corpus music21 ships; for the GAN also "
        "music21:COLLECTION) or a folder of MIDI files",
    )  # fmt: skip
    parser.add_argument(
        "--epochs",
        type=int,
        help="epochs to train (default: 200 for the GAN, 30 for the autoencoder)",
    )
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument(
        "--steps-per-epoch", type=int, default=0, help="default: one pass over the training data"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--snapshot-every", type=int, default=0, metavar="N",
        help="also export the generator every N epochs (to OUT/snapshots) to pick the best",
    )  # fmt: skip
    parser.add_argument(
        "--average-decay", type=float, metavar="D",
        help="the GAN's exported weights are a moving average of the trained ones, each step "
        "moving by 1 - D (default 0.999; 0: export the last weights)",
    )  # fmt: skip
    parser.add_argument(
        "--density-weight", type=float, metavar="W",
        help="weight of the GAN's density term (default 2); also on --resume, to go on with it "
        "weighed more when the network follows the density it is asked for too loosely",
    )  # fmt: skip
    parser.add_argument(
        "--hidden-dim", type=int, metavar="N",
        help="width of the GAN generator's two hidden layers (default 768; a new run only: "
        "--resume keeps the run's); a narrower network samples faster",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, help=f"output folder (default {default_out_dir('MODEL')})"
    )
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.add_argument("--cache", type=Path, help="folder for the processed data set")
    parser.add_argument("--device", help="cpu, cuda or cuda:N (default: cuda when present)")
    parser.add_argument("--json", action="store_true", help="print one JSON document at the end")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Build or load the data set, train, report where the weights are."""

    args.epochs = args.epochs if args.epochs is not None else DEFAULT_EPOCHS[args.model]
    if args.epochs < 1:
        raise InvalidInput(f"epochs must be at least 1, not {args.epochs}")
    if args.average_decay is not None and not 0 <= args.average_decay < 1:
        raise InvalidInput(
            f"--average-decay must be at least 0 and below 1, not {args.average_decay}"
        )
    if args.density_weight is not None and not args.density_weight >= 0:
        raise InvalidInput(f"--density-weight must be 0 or more, not {args.density_weight}")
    if args.hidden_dim is not None and args.hidden_dim < 1:
        raise InvalidInput(f"--hidden-dim must be at least 1, not {args.hidden_dim}")
    if args.batch_size < 1 or args.steps_per_epoch < 0:
        raise InvalidInput("batch size must be at least 1 and steps per epoch not negative")
    if args.model == "gan":
        check_melody_source(args.data, "--data")
    elif args.data != "music21" and not Path(args.data).is_dir():
        raise InvalidInput(f"--data must be 'music21' or a folder of MIDI files, not {args.data}")
    out = args.out or default_out_dir(args.model)
    show = int(os.environ.get("RANK", "0")) == 0 and not args.json
    if args.model == "autoencoder":
        if (
            args.device not in (None, "cpu")
            or args.snapshot_every
            or args.average_decay is not None
            or args.density_weight is not None
            or args.hidden_dim is not None
        ):
            raise InvalidInput(
                "--device, --snapshot-every, --average-decay, --density-weight and "
                "--hidden-dim are for the GAN only"
            )
        return _train_autoencoder(args, out, show)
    from studio.generation.data import METERS, load_or_build
    from studio.generation.network import GanConfig
    from studio.generation.train import TrainConfig, describe_density_response, train_gan

    with cancel_on_interrupt() as cancel:
        with progress_bar("reading the data", enabled=show) as progress:
            data = load_or_build(args.data, cache_dir=args.cache, progress=progress, cancel=cancel)
        config = TrainConfig(
            epochs=args.epochs,
            batch_size=args.batch_size,
            steps_per_epoch=args.steps_per_epoch,
            seed=args.seed,
            snapshot_every=max(0, args.snapshot_every),
            average_decay=(
                TrainConfig.average_decay if args.average_decay is None else args.average_decay
            ),
        )
        network = GanConfig(meters=len(METERS), hidden_dim=args.hidden_dim or GanConfig.hidden_dim)
        with progress_bar("training the GAN", enabled=show) as progress:
            summary = train_gan(
                data, out, config=network, train=config, resume=args.resume,
                density_weight=args.density_weight, device=args.device,
                progress=progress, cancel=cancel,
            )  # fmt: skip
    summary["cancelled"] = cancel.cancelled
    summary["bars"] = len(data)
    summary["tunes"] = data.n_tunes
    if summary["rank"] != 0:
        return EXIT_OK
    if args.json:
        print_json(summary)
    else:
        state = "stopped early" if cancel.cancelled else "finished"
        print(
            f"{state}: {summary['steps']} steps in {summary['seconds']:.0f} s on "
            f"{data.n_tunes} tunes ({len(data)} bars)\n"
            f"weights:    {summary['weights']}  (use with --model)\n"
            f"checkpoint: {summary['checkpoint']}  (continue with --resume)\n"
            f"{describe_density_response(summary['density_response'], summary['epochs'])}\n"
            f"calibrate its melodic intervals before use (about a minute): python -m "
            f"studio.generation.calibration --model {summary['weights']}"
        )
    return EXIT_OK


def _train_autoencoder(args: argparse.Namespace, out: Path, show: bool) -> int:
    from studio.core.midi_files import midi_paths
    from studio.similarity.corpus import ensure_corpus
    from studio.similarity.train import AutoencoderTrainConfig, load_songs, train_autoencoder

    problems: list[tuple[str, str]] = []
    with cancel_on_interrupt() as cancel:
        if args.data == "music21":
            with progress_bar("writing the corpus as MIDI (once)", enabled=show) as progress:
                corpus = ensure_corpus(progress=progress, cancel=cancel)
            # The evaluation sets of `studio eval retrieval` are never trained on.
            paths = [f.path for f in corpus if f.role == "train"]
        else:  # the indexer's walk: every MIDI suffix and case, no symlink loops
            paths = midi_paths(args.data, problems)
        with progress_bar("reading the data", enabled=show) as progress:
            songs = load_songs(paths, progress=progress, cancel=cancel)
        songs.skipped.extend(problems)
        config = AutoencoderTrainConfig(
            epochs=args.epochs,
            batch_size=args.batch_size,
            steps_per_epoch=args.steps_per_epoch,
            seed=args.seed,
        )
        with progress_bar("training the autoencoder", enabled=show) as progress:
            summary = train_autoencoder(
                songs, out, train=config, resume=args.resume, progress=progress, cancel=cancel
            )
    summary["cancelled"] = cancel.cancelled
    summary["songs"] = {"train": len(songs.train), "valid": len(songs.valid)}
    summary["skipped"] = len(songs.skipped)
    if summary["rank"] != 0:
        return EXIT_OK
    if args.json:
        print_json(summary)
    else:
        state = "stopped early" if cancel.cancelled else "finished"
        valid = summary["validation"]
        print(
            f"{state}: {summary['steps']} steps in {summary['seconds']:.0f} s on "
            f"{len(songs.train)} songs ({len(songs.skipped)} unreadable skipped)\n"
            f"validation: reconstruction {valid.get('reconstruction')}, "
            f"partner accuracy {valid.get('partner_accuracy')}\n"
            f"weights:    {summary['weights']}  (use with --model)\n"
            f"checkpoint: {summary['checkpoint']}  (continue with --resume)"
        )
    return EXIT_OK
