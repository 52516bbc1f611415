"""deadlines extractor (component "deadlines"). Placeholder until implemented: emits nothing."""
from spacy.language import Language
from spacy.tokens import Doc


@Language.component("deadlines")
def deadlines_component(doc: Doc) -> Doc:
    return doc
