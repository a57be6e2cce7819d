/**
 * The language catalog: {@code languages.json} in ATO's shape plus one runner script per language
 * ({@link dev.ato.languages.LanguageCatalog}), and whether a language can run in an image
 * ({@link dev.ato.languages.LanguageReadiness}). It knows nothing of images or sandboxes: the server
 * composes it with both.
 */
module dev.ato.languages {
    requires com.fasterxml.jackson.databind;

    exports dev.ato.languages;
    // The catalog and runners are resources of the package; open it so that tools and tests may read them.
    opens dev.ato.languages;
}
