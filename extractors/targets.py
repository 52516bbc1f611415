"""targets extractor (component "targets"). Placeholder until implemented: emits nothing."""
from spacy.language import Language
from spacy.tokens import Doc


@Language.component("targets")
def targets_component(doc: Doc) -> Doc:
    return doc
