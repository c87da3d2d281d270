// Every sentence the organiser's accounts, publishing and history show, in one place, so
// that each can move into a language's catalogue as it is (a function where a value goes in).

export const words = {
  signInTitle: "Sign in",
  signInHint: "Sign in to keep drafts, publish them and roll releases back. Without an account the page still "
    + "previews a file, and shows the commands that publish it.",
  email: "E-mail",
  password: "Password",
  newPassword: "New password",
  newPasswordHint: "Your first sign-in: choose the password you will use from now on (at least 12 characters, "
    + "with upper and lower case letters and a digit).",
  signIn: "Sign in",
  signOut: "Sign out",
  signingIn: "Signing in…",
  signedIn: (email, role) => `Signed in as ${email}, ${role === "publisher" ? "a publisher" : "an editor"}.`,
  signedOut: "Signed out.",
  sessionEnded: "Your session has ended: sign in again.",
  wrongPassword: "Wrong e-mail or password.",
  newPasswordRequired: "This is your account's first sign-in: choose a new password below.",
  cannotSignIn: (message) => `Cannot sign in: ${message}`,
  unreachable: "The schedule API cannot be reached: try again with signal.",
  keptAsDraft: (name, version) => `Kept as the draft drafts/${name} (version ${version}).`,
  publishTitle: "Publish it now",
  publishNote: "Release note",
  publishButton: (name) => `Publish uploads/${name}`,
  publishing: "Publishing…",
  published: (name) => `Published: uploads/${name} is being applied; its release appears in the history within `
    + "seconds.",
  publishFailed: (message) => `Not published: ${message}`,
  editorsMayNot: (name) => `Only publishers publish: ask one to publish the draft drafts/${name} from this page.`,
  fixFirst: "Fix the rejected rows first: a file publishes from this page only when its preview has no errors.",
  orByHand: "Or publish it by hand",
  historyTitle: "History",
  historyHint: "Every release, newest first: who made it and how. Roll back a file's latest release to bring back "
    + "what the file was before it (a new release of its own; nothing is ever rewritten).",
  historyEmpty: "Nothing has been released yet.",
  historyMore: "Older releases",
  historyFailed: (message) => `The history cannot be read: ${message}`,
  actions: {
    upload: "uploaded", publish: "published", rollback: "rolled back", edit: "edited", removal: "removed",
  },
  byBucket: "straight to the bucket",
  rollBack: "Roll back",
  rollBackLabel: (file, when) => `Roll back the release of ${file} of ${when}`,
  rollingBack: "Rolling back…",
  rolledBack: (file) => `Rolled back: ${file} is being applied as it was before; the rollback appears in the `
    + "history within seconds.",
  rollBackFailed: (message) => `Not rolled back: ${message}`,
  rollbackOf: (release) => `(rolls back ${release})`,
  counts: { new: "new", moved: "moved", changed: "changed", cancelled: "cancelled", removed: "removed" },
};
