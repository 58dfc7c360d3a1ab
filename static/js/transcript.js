// The printable transcript: a "Print or save as PDF" button that opens the browser's print
// dialog (which saves as PDF too). Without JavaScript the button stays hidden and a sentence
// points at the browser's own Print command instead.
(function () {
  "use strict";

  var button = document.querySelector("[data-transcript-print]");
  if (!button) return;
  var help = document.querySelector("[data-transcript-print-help]");
  button.hidden = false;
  if (help) help.hidden = true;
  button.addEventListener("click", function () {
    window.print();
  });
})();
