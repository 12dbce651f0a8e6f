// Keyboard and screen-reader support: move focus to what a page load or a partial update
// (htmx) wants read first, and say so when a partial update fails, which htmx itself keeps
// silent (it swaps nothing on an error response).
(function () {
  function say(id, text) {
    const region = document.getElementById(id);
    if (!region) return;
    // Emptied first, so that the same message twice is announced twice.
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 50);
  }

  document.addEventListener("DOMContentLoaded", function () {
    // An error summary comes before the page's other messages.
    const first = document.querySelector(".error-summary[data-focus-on-load]") ||
      document.querySelector("[data-focus-on-load]");
    if (first) first.focus();
  });

  // A link in an error summary puts the cursor in its field, not only scrolls to it; the
  // skip link moves focus without a #fragment, which a form on the page would post back to
  // and which would then take focus from the error summary.
  document.addEventListener("click", function (event) {
    const link = event.target.closest &&
      event.target.closest(".error-summary a[href^='#'], a.skip-link[href^='#']");
    if (!link) return;
    const target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    event.preventDefault();
    target.focus();
    const label = target.labels && target.labels[0];
    (label || target).scrollIntoView({ block: link.classList.contains("skip-link") ? "start" : "center" });
  });

  document.addEventListener("htmx:beforeRequest", function () {
    const region = document.getElementById("live-error");
    if (region) region.textContent = "";
  });

  function failed(event) {
    const region = document.getElementById("live-error");
    if (!region) return;
    const xhr = event.detail.xhr;
    let text = region.dataset.generic || "";
    // Our own refusals (a DomainError) answer a partial request with their message as text.
    const body = xhr && xhr.status < 500 ? (xhr.responseText || "").trim() : "";
    if (body && body.length < 500 && body.indexOf("<") === -1) text = body;
    say("live-error", text);
  }
  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);

  window.casedeskSay = say;
})();
