// Copy buttons: progressive enhancement. Without JavaScript the commands
// sit in read-only inputs that select with one click.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("input.cmd").forEach(function (el) {
    el.addEventListener("focus", function () { el.select(); });
  });
  document.querySelectorAll("button.copybtn").forEach(function (btn) {
    var input = document.getElementById(btn.dataset.copy);
    if (!input) { return; }
    btn.hidden = false;
    btn.setAttribute("aria-label", "Copy: " + input.value);
    btn.addEventListener("click", function () {
      input.select();
      var done = function () {
        btn.textContent = "Copied";
        setTimeout(function () { btn.textContent = "Copy"; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
});
