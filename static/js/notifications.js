// The navbar bell: its unread count is fetched after the page has loaded, so no page pays for it.
document.addEventListener("DOMContentLoaded", () => {
  const bell = document.getElementById("notification-bell");
  if (!bell || !bell.dataset.badgeUrl) return;
  fetch(bell.dataset.badgeUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
    .then((response) => (response.ok ? response.text() : ""))
    .then((html) => { if (html) bell.innerHTML = html; })
    .catch(() => {});
});
