// Embedding progress page: ask for the figures every few seconds and update the table in place.
document.addEventListener("DOMContentLoaded", function () {
  var root = document.querySelector("[data-progress-root]");
  if (!root) return;
  var url = root.getAttribute("data-progress-url");

  function set(scope, name, value) {
    var el = scope.querySelector("[data-field=" + name + "]");
    if (!el) return;
    if (el.tagName === "PROGRESS") {
      el.value = value;
    } else {
      el.textContent = String(value);
    }
  }

  function show(state) {
    set(root, "tasks", state.tasks);
    state.kinds.forEach(function (k) {
      var row = root.querySelector("tr[data-kind=" + k.kind + "]");
      if (!row) return;
      ["total", "done", "pending", "percent"].forEach(function (name) {
        set(row, name, k[name]);
      });
      set(row, "bar", k.percent);
    });
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        show(state);
        window.setTimeout(poll, 3000);
      })
      .catch(function () {
        window.setTimeout(poll, 10000);
      });
  }

  window.setTimeout(poll, 3000);
});
