// Drag-and-drop reordering of the customer's open cases; posts the new order with htmx.
(function () {
  function setup(root) {
    const body = root.querySelector("tbody[data-sortable]");
    if (!body) return;
    let dragged = null;
    body.querySelectorAll("tr[data-number]").forEach(function (row) {
      row.draggable = true;
      row.addEventListener("dragstart", function () { dragged = row; row.classList.add("dragging"); });
      row.addEventListener("dragend", function () {
        row.classList.remove("dragging");
        const form = document.getElementById("order-form");
        form.querySelectorAll("input[name=case]").forEach(function (i) { i.remove(); });
        body.querySelectorAll("tr[data-number]").forEach(function (r) {
          const input = document.createElement("input");
          input.type = "hidden"; input.name = "case"; input.value = r.dataset.number;
          form.appendChild(input);
        });
        htmx.trigger(form, "submit");
      });
      row.addEventListener("dragover", function (event) {
        event.preventDefault();
        if (!dragged || dragged === row) return;
        const rect = row.getBoundingClientRect();
        const after = event.clientY > rect.top + rect.height / 2;
        body.insertBefore(dragged, after ? row.nextSibling : row);
      });
    });
  }
  // The arrow buttons are replaced with the table: keep keyboard focus on the moved case's
  // button (or its other arrow, once it reaches the top or the bottom).
  let moving = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    const button = event.detail.elt;
    const row = button && button.closest ? button.closest("#open-cases tr[data-number]") : null;
    moving = row && button.dataset.direction
      ? { number: row.dataset.number, direction: button.dataset.direction }
      : null;
  });
  function refocus() {
    if (!moving) return;
    const wanted = moving;
    moving = null;
    const row = document.querySelector('#open-cases tr[data-number="' + wanted.number + '"]');
    if (!row) return;
    const enabled = Array.from(row.querySelectorAll("button[data-direction]")).filter(function (b) { return !b.disabled; });
    const same = enabled.find(function (b) { return b.dataset.direction === wanted.direction; });
    (same || enabled[0] || row.querySelector("a")).focus();
  }
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setup(event.target); refocus(); });
})();
