// Element helpers shared by the pages. Everything from the API is shown as text (a
// string child becomes a text node), never as markup.

export const $ = (id) => document.getElementById(id);

// An element with a class and children: strings become text nodes, nodes are appended.
export function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
}

// For screen readers: the page's polite live region (an element with id "live").
export function announce(text) { $("live").textContent = text; }

export const reducedMotion = () => matchMedia("(prefers-reduced-motion: reduce)").matches;
