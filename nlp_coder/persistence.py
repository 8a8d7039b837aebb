"""Saving and loading the bundled model with skops (never pickle), plus its metadata JSON.

Loading builds only the types listed in TRUSTED_TYPES, reviewed by hand: a model file that needs any
other type is refused. Never pass ``get_untrusted_types()`` output straight back to ``load``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

from nlp_coder.errors import ModelError

__all__ = ["DEFAULT_MODEL", "TRUSTED_TYPES", "load_model", "save_model"]

DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "brain_mri_cpt.skops"

# Every type a model file of ours may hold, beyond what skops trusts by default.
TRUSTED_TYPES: tuple[str, ...] = (
    # CalibratedClassifierCV's fitted per-class calibrator holder and the fitted trees of the forest.
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.tree._tree.Tree",
)


def _git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _versions() -> dict[str, str]:
    import medspacy
    import numpy
    import sklearn
    import skops
    import spacy

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "numpy": numpy.__version__,
        "spacy": spacy.__version__,
        "medspacy": getattr(medspacy, "__version__", "unknown"),
    }


def meta_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name.removesuffix(".skops") + ".meta.json")


def save_model(model: Any, path: Path, metadata: dict[str, Any]) -> dict[str, Any]:
    """Write ``path`` (.skops) and its ``.meta.json``; returns the metadata written."""
    import skops.io as sio

    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(model, path)
    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        path.unlink()
        raise ModelError(f"model holds types not in TRUSTED_TYPES: {sorted(untrusted)}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    meta = {
        **metadata,
        "model_file": path.name,
        "model_sha256": digest,
        "model_version": f"brain-mri-cpt-{digest[:12]}",
        "versions": _versions(),
        "git_sha": _git_sha(),
    }
    meta_path(path).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return meta


def load_model(path: Path = DEFAULT_MODEL) -> tuple[Any, dict[str, Any]]:
    """Load a model and its metadata, trusting only TRUSTED_TYPES."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    try:
        meta = json.loads(meta_path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"model metadata missing or invalid next to {path.name}") from exc
    if hashlib.sha256(path.read_bytes()).hexdigest() != meta.get("model_sha256"):
        raise ModelError(f"{path.name} does not match the checksum in its metadata")
    untrusted = set(sio.get_untrusted_types(file=path)) - set(TRUSTED_TYPES)
    if untrusted:
        raise ModelError(f"{path.name} holds untrusted types: {sorted(untrusted)}")
    try:
        model = sio.load(path, trusted=list(TRUSTED_TYPES))
    except Exception as exc:  # skops raises several types; the message names types, never data
        raise ModelError(f"cannot load {path.name}: {type(exc).__name__}") from exc
    return model, meta
