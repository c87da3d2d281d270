// The page's own links: `#set=<id>` (what every feed and export links a set to) opens
// that set: its day, scrolled to it, its details shown.

import { api, state } from "./state.js";
import { showDetails } from "./sets.js";
import { revealSet } from "./views.js";
import { notice, showError } from "./messages.js";

export const linkedSet = () => (location.hash.match(/^#set=([a-z2-7]{16})$/) || [])[1] || null;

// The linked set, from what is loaded or from the API (which says its day); null when
// the link names no set, or one the organiser removed (the page says so).
export async function findLinkedSet() {
  const id = linkedSet();
  if (!id) return null;
  if (state.byId.has(id)) return state.byId.get(id);
  try {
    return await api.get(`performances/${id}`);
  } catch (error) {
    if (error.status === 404) notice("The set this link points to is no longer in the schedule: the organiser removed it.");
    else showError(error);
    return null;
  }
}

export async function openSet(set) {
  notice("");
  await revealSet(set);
  showDetails(state.byId.get(set.id) || set);
}

// Closing the details of a linked set leaves the page's own address, so a reload shows the page.
export function forgetSetLink() {
  if (linkedSet()) history.replaceState(null, "", location.pathname + location.search);
}
