// Phone menu: open and close the navigation bar.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector(".nav-toggle");
  if (!button) return;
  button.addEventListener("click", function () {
    var bar = button.closest(".topbar");
    bar.classList.toggle("open");
    button.setAttribute("aria-expanded", bar.classList.contains("open") ? "true" : "false");
  });
});
