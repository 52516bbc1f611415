"""projects extractor (component "projects"). Placeholder until implemented: emits nothing."""
from spacy.language import Language
from spacy.tokens import Doc


@Language.component("projects")
def projects_component(doc: Doc) -> Doc:
    return doc
