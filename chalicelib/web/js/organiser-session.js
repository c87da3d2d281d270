// The organiser's session: signing in (POST sessions, which answers a token for an hour),
// keeping the token for this tab only (sessionStorage: never a cookie, never in an
// address), sending it as Authorization: Bearer, and forgetting it when the API says it
// is no longer valid. Addresses are relative: the routes are beside the page (under /api too).

const KEY = "festival-organiser-session";

export function current() {
  try {
    const found = JSON.parse(sessionStorage.getItem(KEY) || "null");
    return found && found.expires > Date.now() ? found : null;
  } catch (error) {
    return null;
  }
}

export function forget() { sessionStorage.removeItem(KEY); }

// {ok, session} or {ok: false, status, message, code, slug, values}: `slug` and `values` are the
// API's stable code and named values for the message, which the page translates.
export async function signIn(email, password, newPassword) {
  const body = { email, password };
  if (newPassword) body.new_password = newPassword;
  const response = await fetch("sessions", {
    method: "POST", cache: "no-store", headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  let answer = null;
  try { answer = await response.json(); } catch (error) { /* said below */ }
  if (!response.ok || !answer) {
    return { ok: false, status: response.status, code: answer && answer.Code, message: answer && answer.Message,
      slug: answer && answer.code, values: answer && answer.values };
  }
  const session = {
    token: answer.token, role: answer.role, email: answer.email, expires: Date.now() + answer.expires_in * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return { ok: true, session };
}

// A request to an organiser route with the session's token; `onEnded` runs when the API
// answers 401 (expired, or signed out elsewhere): the session is forgotten first.
export function createCaller(onEnded) {
  return async function call(path, { method = "GET", body, type = "application/json", headers: more = {} } = {}) {
    const session = current();
    const headers = { Accept: "application/json", ...more };
    if (session) headers.Authorization = `Bearer ${session.token}`;
    if (body !== undefined) headers["Content-Type"] = type;
    const response = await fetch(path, { method, body, headers, cache: "no-store" });
    let answer = null;
    try { answer = await response.json(); } catch (error) { /* not JSON */ }
    if (response.status === 401) { forget(); onEnded(); }
    return { status: response.status, ok: response.ok, body: answer, headers: response.headers };
  };
}
