"""The bundle's entry point: the ``studio`` command (``studio.cli:main``) in the frozen app.

``multiprocessing.freeze_support()`` comes first: the library indexer runs its workers in
processes (forkserver), and in a frozen app those start by running this executable again.

The bundle leaves out torch's compiler stack (see motif-studio.spec), which training needs, so
``studio train`` says so instead of failing on a missing module.
"""

import multiprocessing
import sys

NOT_IN_BUNDLE = {
    "train": "studio train is not part of the desktop bundle; train from a source install "
    "(scripts/setup.sh, then .venv/bin/studio train …)",
}

if __name__ == "__main__":
    multiprocessing.freeze_support()
    command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
    if command in NOT_IN_BUNDLE:
        print(f"studio: error: {NOT_IN_BUNDLE[command]}", file=sys.stderr)
        sys.exit(2)
    from studio.cli import main

    sys.exit(main())
