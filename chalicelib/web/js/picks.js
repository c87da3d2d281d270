// A festival-goer's picks: set ids kept in this browser (no account), so a pick survives
// reloads and the organiser moving the set.

export const SET_ID = /^[a-z2-7]{16}$/;

export function createPicks(store) {
  let ids = new Set(store.get("picks", []).filter((id) => SET_ID.test(id)));
  const save = () => store.set("picks", [...ids]);
  return {
    has: (id) => ids.has(id),
    get size() { return ids.size; },
    list: () => [...ids],
    toggle(id) {
      if (ids.has(id)) ids.delete(id); else ids.add(id);
      save();
      return ids.has(id);
    },
    add(more) { for (const id of more) ids.add(id); save(); },
    keepOnly(wanted) { ids = new Set([...ids].filter(wanted)); save(); },
  };
}
