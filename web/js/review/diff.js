// What changed between two revisions of a report: outcomes matched by their id (added,
// removed, or changed key by key), the template's fields, and the days in the village.

const OUTCOME_KEYS = ["category", "what", "for_whom", "status", "quantity", "geotag", "continues"];

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * {outcomes: [{kind: "added"|"removed"|"changed", id, before, after, changes: [{key, before, after}]}],
 *  fields: [{key, before, after}], days: {before, after} | null}; empty lists when nothing changed.
 */
export function diffContent(before, after) {
  const old = before?.outcomes ?? [];
  const now = after?.outcomes ?? [];
  const outcomes = [];
  for (const o of now) {
    const was = old.find((x) => x.id === o.id);
    if (!was) outcomes.push({ kind: "added", id: o.id, after: o, changes: [] });
    else {
      const changes = OUTCOME_KEYS.filter((k) => !same(was[k], o[k])).map((key) => ({ key, before: was[key], after: o[key] }));
      if (changes.length) outcomes.push({ kind: "changed", id: o.id, before: was, after: o, changes });
    }
  }
  for (const o of old) if (!now.some((x) => x.id === o.id)) outcomes.push({ kind: "removed", id: o.id, before: o, changes: [] });
  const a = before?.fields ?? {};
  const b = after?.fields ?? {};
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const fields = keys.filter((k) => !same(a[k], b[k])).map((key) => ({ key, before: a[key], after: b[key] }));
  const days = same(before?.days_in_village, after?.days_in_village) ? null : { before: before?.days_in_village, after: after?.days_in_village };
  return { outcomes, fields, days };
}

export const isEmpty = (d) => !d.outcomes.length && !d.fields.length && !d.days;
