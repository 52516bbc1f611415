"""responsibilities extractor (component "responsibilities"). Placeholder until implemented: emits nothing."""
from spacy.language import Language
from spacy.tokens import Doc


@Language.component("responsibilities")
def responsibilities_component(doc: Doc) -> Doc:
    return doc
