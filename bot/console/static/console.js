// The console's only script: print buttons. Everything else is plain HTML forms.
// Served from our own origin: the Content-Security-Policy allows no inline or third-party script.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
