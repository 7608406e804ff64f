/* Latchkey dashboard: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // Copy buttons: <button data-copy-target="ID" hidden>. The button stays hidden without JS;
  // the readonly input next to it can always be selected and copied by hand.
  function setupCopyButtons() {
    var buttons = document.querySelectorAll("[data-copy-target]");
    Array.prototype.forEach.call(buttons, function (button) {
      var target = document.getElementById(button.getAttribute("data-copy-target"));
      if (!target) {
        return;
      }
      var field = button.closest(".field");
      var status = field ? field.querySelector("[data-copy-status]") : null;
      var label = button.textContent;
      var resetTimer = null;

      function report(ok) {
        button.textContent = ok ? "Copied" : label;
        if (status) {
          status.textContent = ok ? "Copied to the clipboard." : "Press Ctrl+C (or ⌘C) to copy the selected text.";
        }
        window.clearTimeout(resetTimer);
        resetTimer = window.setTimeout(function () {
          button.textContent = label;
        }, 2500);
      }

      function selectTarget() {
        if (typeof target.select === "function") {
          target.focus();
          target.select();
        } else if (window.getSelection && document.createRange) {
          var range = document.createRange();
          range.selectNodeContents(target);
          var selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }
      }

      function fallback() {
        selectTarget();
        var ok = false;
        try {
          ok = document.execCommand("copy");
        } catch (e) {
          ok = false;
        }
        report(ok);
      }

      button.hidden = false;
      button.addEventListener("click", function () {
        var text = target.tagName === "INPUT" ? target.value : target.textContent;
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(function () {
            report(true);
          }, fallback);
        } else {
          fallback();
        }
      });
    });

    // Selecting a readonly key field selects all of it, so a manual copy gets the whole key.
    var readonly = document.querySelectorAll("input[readonly]");
    Array.prototype.forEach.call(readonly, function (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    });
  }

  // Provider search: filters the rendered list as you type. Submitting the form still searches on the server.
  function setupProviderFilter() {
    var form = document.getElementById("provider-search");
    if (!form) {
      return;
    }
    var input = form.querySelector('input[name="q"]');
    var items = document.querySelectorAll("[data-filter-item]");
    var empty = document.querySelector("[data-filter-empty]");
    var count = document.getElementById("provider-count");
    if (!input || items.length === 0) {
      return;
    }
    var texts = Array.prototype.map.call(items, function (item) {
      return normalize(item.textContent);
    });

    function normalize(s) {
      return s.toLowerCase().replace(/\s+/g, " ").trim();
    }

    function apply() {
      var words = normalize(input.value).split(" ").filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(items, function (item, i) {
        var match = words.every(function (w) {
          return texts[i].indexOf(w) !== -1;
        });
        item.hidden = !match;
        if (match) {
          shown += 1;
        }
      });
      if (empty) {
        empty.hidden = shown !== 0;
      }
      if (count) {
        count.textContent = shown === items.length
          ? items.length + (items.length === 1 ? " provider" : " providers")
          : shown + " of " + items.length + " providers match";
      }
    }

    input.addEventListener("input", apply);
    apply();
  }

  // Arriving from an agent's setup link (?bind=provider): bring the provider that needs a credential into view.
  function focusBindTarget() {
    var target = document.getElementById("bind-target");
    // A freshly created key matters more: never scroll it out of view.
    if (!target || document.getElementById("new-key")) {
      return;
    }
    var control = target.querySelector("select, a");
    target.scrollIntoView({ block: "center" });
    if (control) {
      control.focus({ preventScroll: true });
    }
  }

  ready(function () {
    setupCopyButtons();
    setupProviderFilter();
    focusBindTarget();
  });
})();
