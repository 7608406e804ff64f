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

  // Budget form: "Add a limit row" copies the last blank row with the next index (limit.N.*). Without JS the form
  // always offers two blank rows, and saving offers two more.
  function setupLimitRows() {
    var button = document.getElementById("add-limit-row");
    var body = document.querySelector("#budget-form table.limit-rows tbody");
    if (!button || !body) {
      return;
    }
    var max = parseInt(button.getAttribute("data-max-rows"), 10) || 0;
    function rows() {
      return body.querySelectorAll("tr.limit-row");
    }
    function update() {
      button.hidden = rows().length >= max;
    }
    button.addEventListener("click", function () {
      var all = rows();
      var template = body.querySelector("tr.limit-row.is-new:last-of-type") || all[all.length - 1];
      if (!template || all.length >= max) {
        return;
      }
      var index = all.length;
      var row = template.cloneNode(true);
      row.setAttribute("data-row", String(index));
      Array.prototype.forEach.call(row.querySelectorAll("[name], [id], [for]"), function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) {
            el.setAttribute(attr, value.replace(/^limit([.-])\d+([.-])/, "limit$1" + index + "$2"));
          }
        });
        if (el.tagName === "LABEL") {
          el.textContent = el.textContent.replace(/limit \d+$/, "limit " + (index + 1));
        } else if (el.tagName === "INPUT") {
          el.value = "";
        } else if (el.tagName === "SELECT") {
          el.selectedIndex = 0;
        }
      });
      body.appendChild(row);
      var calls = row.querySelector('input[name$=".calls"]');
      if (calls) {
        calls.focus();
      }
      update();
    });
    update();
  }

  ready(function () {
    setupCopyButtons();
    setupProviderFilter();
    focusBindTarget();
    setupLimitRows();
  });
})();
