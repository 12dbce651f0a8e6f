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
  document.addEventListener("DOMContentLoaded", function () { setup(document); });
  document.addEventListener("htmx:afterSettle", function (event) { setup(event.target); });
})();
