// Ranking for the language picker: people type the start of a name ("py", "c++"), so names and ids
// that start with the query come first, then names with a word starting with it, then any match.

function rank(lang, q) {
  const name = lang.name.toLowerCase();
  const id = lang.id.toLowerCase();
  if (name.startsWith(q) || id.startsWith(q)) return 0;
  if (name.split(/[\s()/_-]+/).some((w) => w.startsWith(q))) return 1;
  if (name.includes(q) || id.includes(q)) return 2;
  return -1;
}

/** The languages matching `query`, best first, ties in name order. An empty query lists them all. */
export function searchLanguages(languages, query) {
  const q = query.trim().toLowerCase();
  return languages
    .map((l) => ({ l, r: q ? rank(l, q) : 0 }))
    .filter((x) => x.r >= 0)
    .sort((a, b) => a.r - b.r || a.l.name.localeCompare(b.l.name))
    .map((x) => x.l);
}
