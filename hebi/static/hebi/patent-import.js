// Patent import pages. Upload: refuse a file over the size limit before sending it (the server
// refuses it too). Job page: ask for progress every second; reload once the job has finished.
document.addEventListener("DOMContentLoaded", function () {
  var input = document.querySelector("input[type=file][data-max-bytes]");
  if (input) {
    var check = function () {
      var file = input.files && input.files[0];
      var tooLarge = Boolean(file) && file.size > Number(input.getAttribute("data-max-bytes"));
      input.setCustomValidity(tooLarge ? input.getAttribute("data-too-large") : "");
      return !tooLarge;
    };
    input.addEventListener("change", function () {
      if (!check()) input.reportValidity();
    });
    input.form.addEventListener("submit", function (event) {
      if (!check()) {
        event.preventDefault();
        input.reportValidity();
      }
    });
  }

  var bar = document.querySelector("[data-progress-url]");
  if (!bar) return;
  var text = document.querySelector("[data-progress-text]");
  var url = bar.getAttribute("data-progress-url");
  var template = bar.getAttribute("data-progress-template") || "{processed} / {total}";

  function show(state) {
    bar.value = state.percent;
    if (!text) return;
    var counts = state.total ? template.replace("{processed}", state.processed).replace("{total}", state.total) : "";
    text.textContent = state.status_label + (counts ? " · " + counts : "");
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 1000);
});
