"""One place that reads the environment (django-environ).

Every variable is listed, with its default, in `.env.example`.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local `.env` file is optional; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def filesystem_broker_options(folder) -> dict:
    """Transport options for kombu's filesystem broker in ``folder`` (made here if missing)."""
    folder = Path(folder)
    for sub in ("processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }
