/*
 * What Matters chat widget. A practice adds one tag to any page:
 *
 *   <script src="https://chat.example.nhs.uk/webhooks/webchat/widget.js"
 *           data-server="https://chat.example.nhs.uk" data-practice="demo-practice" defer></script>
 *
 * It draws a launcher and a chat window in a shadow root (the page's styles cannot reach in),
 * and talks to our Rasa server over socket.io (`io` comes from the client bundled around this
 * file by bot/channels/webchat.py). Rules kept throughout:
 *   - text is only ever set with textContent and createElement, never as HTML;
 *   - the browser keeps one thing, the conversation's random id, so a reload or a visit next day
 *     carries on; "End chat" forgets it, for shared computers;
 *   - nothing is loaded from anyone but our server.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var server = (script.dataset.server || new URL(script.src).origin).replace(/\/+$/, "");
  var practice = script.dataset.practice || "";
  var STORAGE_KEY = "whatmatters.session." + practice;
  var OPEN_KEY = "whatmatters.open." + practice;
  var TYPING_TIMEOUT_MS = 20000;
  var LINK = /(https?:\/\/[^\s<>"]+|tel:\+?[0-9][0-9 -]*[0-9])/g;

  var socket = null;
  var ready = false; // the server has confirmed this browser's conversation
  var pending = []; // what the person said before that
  var typingTimer = null;
  var ui = build();

  // --- Storage: only the conversation id, and whether the window was open ------------------

  function storage(kind) {
    try {
      return window[kind]; // may throw where the browser blocks storage
    } catch (error) {
      return null;
    }
  }

  function remembered(kind, key) {
    var store = storage(kind);
    try {
      return store ? store.getItem(key) : null;
    } catch (error) {
      return null;
    }
  }

  function remember(kind, key, value) {
    var store = storage(kind);
    try {
      if (store && value === null) store.removeItem(key);
      else if (store) store.setItem(key, value);
    } catch (error) {
      /* storage full or blocked: the chat still works until the page closes */
    }
  }

  // --- Building the window ------------------------------------------------------------------

  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) node.textContent = text;
    return node;
  }

  function build() {
    var host = el("div", { id: "whatmatters-chat" });
    var root = host.attachShadow({ mode: "open" });
    var style = el("link", { rel: "stylesheet", href: server + "/webhooks/webchat/widget.css" });
    host.hidden = true; // until styled: no flash of bare buttons on the practice's page
    style.addEventListener("load", function () {
      host.hidden = false;
      if (remembered("sessionStorage", OPEN_KEY)) setOpen(true); // open before a reload: open again
    });
    root.appendChild(style);

    var launcher = el("button", {
      type: "button", class: "wm-launcher", "aria-expanded": "false", "aria-controls": "wm-window",
    }, "Chat with us");
    var panel = el("section", { id: "wm-window", class: "wm-window", "aria-labelledby": "wm-title" });
    panel.hidden = true;

    var header = el("div", { class: "wm-header" });
    header.appendChild(el("h2", { id: "wm-title", class: "wm-title" }, "What matters to you?"));
    var endButton = el("button", { type: "button", class: "wm-end" }, "End chat");
    var closeButton = el("button", { type: "button", class: "wm-close", "aria-label": "Close chat" }, "×");
    header.append(endButton, closeButton);

    var emergency = el("p", { class: "wm-emergency" }, "Not for emergencies. In an emergency, call ");
    emergency.append(link("tel:999", "999"), ".");

    var confirmEnd = el("div", { class: "wm-confirm", role: "group", "aria-labelledby": "wm-confirm-text" });
    confirmEnd.hidden = true;
    confirmEnd.appendChild(el("p", { id: "wm-confirm-text" },
      "End this chat and clear it from this browser? Your practice team still gets your answers."));
    var confirmYes = el("button", { type: "button", class: "wm-danger" }, "Yes, end chat");
    var confirmNo = el("button", { type: "button" }, "No, go back");
    confirmEnd.append(confirmYes, confirmNo);

    var log = el("div", {
      class: "wm-log", role: "log", "aria-live": "polite", "aria-label": "Conversation", tabindex: "0",
    });
    var status = el("p", { class: "wm-status", role: "status" });
    var typing = el("div", { class: "wm-typing", "aria-hidden": "true" });
    typing.append(el("span"), el("span"), el("span"));
    typing.hidden = true;

    var form = el("form", { class: "wm-form" });
    var input = el("textarea", { id: "wm-input", rows: "2", autocomplete: "off" });
    var send = el("button", { type: "submit", class: "wm-send" }, "Send");
    form.append(el("label", { for: "wm-input", class: "wm-hidden" }, "Your message"), input, send);

    panel.append(header, emergency, confirmEnd, log, typing, status, form);
    root.append(launcher, panel);
    (document.body || document.documentElement).appendChild(host);

    var parts = {
      root: root, launcher: launcher, panel: panel, log: log, status: status, typing: typing,
      form: form, input: input, endButton: endButton, confirmEnd: confirmEnd, confirmNo: confirmNo,
    };
    launcher.addEventListener("click", function () { setOpen(panel.hidden); });
    closeButton.addEventListener("click", function () { setOpen(false); });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") setOpen(false);
    });
    endButton.addEventListener("click", function () { showConfirm(true); });
    confirmNo.addEventListener("click", function () { showConfirm(false); });
    confirmYes.addEventListener("click", endChat);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      sendTyped();
    });
    input.addEventListener("keydown", function (event) {
      // Enter sends; Shift+Enter starts a new line in a long answer.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendTyped();
      }
    });
    return parts;
  }

  function link(href, text) {
    var a = el("a", { href: href }, text);
    if (!href.startsWith("tel:")) {
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    return a;
  }

  // --- Opening, closing and ending ----------------------------------------------------------

  function setOpen(open) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    remember("sessionStorage", OPEN_KEY, open ? "1" : null);
    if (open) {
      connect();
      ui.input.focus();
    } else {
      showConfirm(false);
      ui.launcher.focus();
    }
  }

  function showConfirm(shown) {
    ui.confirmEnd.hidden = !shown;
    ui.endButton.setAttribute("aria-expanded", String(shown));
    if (shown) ui.confirmNo.focus();
  }

  function endChat() {
    if (socket) socket.disconnect();
    socket = null;
    ready = false;
    pending = [];
    remember("localStorage", STORAGE_KEY, null);
    clearLog();
    hideTyping();
    showConfirm(false);
    setStatus("Chat ended and cleared from this browser.");
    showStart(); // a new conversation starts only if they say something
    ui.input.focus();
  }

  // --- Talking to the server ----------------------------------------------------------------

  function connect() {
    if (socket) return;
    setStatus("Connecting…");
    socket = io(server, { auth: { practice: practice } });
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: remembered("localStorage", STORAGE_KEY) });
    });
    socket.on("session_confirm", function (sessionId) {
      var previous = remembered("localStorage", STORAGE_KEY);
      remember("localStorage", STORAGE_KEY, sessionId);
      setStatus("");
      if (sessionId === previous) return; // the history comes next
      if (previous) clearLog(); // the server did not know that id: a new conversation
      showStart();
      flush();
    });
    socket.on("history", function (data) {
      clearLog();
      data.messages.forEach(function (message) {
        if (message.from === "person") addPerson(message.text);
        else addBot(message);
      });
      pending.forEach(function (message) { addPerson(message.shown); });
      showStart();
      flush();
    });
    socket.on("bot_uttered", function (message) {
      hideTyping();
      addBot(message);
    });
    socket.on("connect_error", function () {
      setStatus("Sorry, the chat can't connect right now. Please try again later, or call the practice.");
    });
    socket.on("disconnect", function (reason) {
      ready = false;
      if (reason !== "io client disconnect") setStatus("Reconnecting…");
    });
  }

  // Messages wait until the server has confirmed which conversation this browser is in.
  function flush() {
    ready = true;
    pending.splice(0).forEach(function (message) {
      socket.emit("user_uttered", { message: message.sent });
    });
  }

  function sendTyped() {
    var text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    say(text, text);
  }

  function say(shown, sent) {
    disableButtons();
    removeStart();
    addPerson(shown);
    showTyping();
    if (ready) {
      socket.emit("user_uttered", { message: sent });
    } else {
      pending.push({ shown: shown, sent: sent });
      connect();
    }
  }

  // --- Messages -----------------------------------------------------------------------------

  function addPerson(text) {
    var bubble = el("div", { class: "wm-msg wm-person" });
    bubble.append(el("span", { class: "wm-hidden" }, "You said: "), text);
    append(bubble);
  }

  function addBot(message) {
    var bubble = el("div", { class: message.crisis ? "wm-msg wm-bot wm-crisis" : "wm-msg wm-bot" });
    if (message.crisis) {
      bubble.setAttribute("role", "alert"); // said at once, not after what is being read
      var previous = ui.log.lastElementChild;
      if (!previous || !previous.classList.contains("wm-crisis")) {
        bubble.appendChild(el("strong", { class: "wm-crisis-title" }, "Help now")); // once, on top
      }
    } else {
      bubble.appendChild(el("span", { class: "wm-hidden" }, "Assistant: "));
    }
    bubble.appendChild(withLinks(message.text));
    append(bubble);
    if (message.buttons && message.buttons.length) append(buttonGroup(message.buttons));
  }

  function withLinks(text) {
    var paragraph = el("p", { class: "wm-text" });
    var at = 0;
    text.replace(LINK, function (found, _group, offset) {
      var url = found.replace(/[.,;:!?)]+$/, ""); // a full stop after a link is not part of it
      paragraph.append(text.slice(at, offset), link(url, url));
      at = offset + url.length;
      return found;
    });
    paragraph.append(text.slice(at));
    return paragraph;
  }

  function buttonGroup(buttons) {
    var group = el("div", { class: "wm-buttons", role: "group", "aria-label": "Choose an answer" });
    buttons.forEach(function (button) {
      var choice = el("button", { type: "button", class: "wm-choice" }, button.title);
      choice.addEventListener("click", function () {
        say(button.title, button.payload);
        ui.input.focus(); // the pressed button is now disabled: keep keyboard users in the chat
      });
      group.appendChild(choice);
    });
    return group;
  }

  function showStart() {
    if (ui.log.querySelector(".wm-start") || ui.log.querySelector(".wm-msg")) return;
    var start = el("div", { class: "wm-start" });
    start.appendChild(el("p", {}, "Hello! Press the button or type a message to start."));
    var hello = el("button", { type: "button", class: "wm-choice" }, "Hello");
    hello.addEventListener("click", function () {
      say("Hello", "Hello");
      ui.input.focus();
    });
    start.appendChild(hello);
    ui.log.appendChild(start);
  }

  function removeStart() {
    var start = ui.log.querySelector(".wm-start");
    if (start) start.remove();
  }

  function disableButtons() {
    ui.log.querySelectorAll(".wm-buttons button").forEach(function (button) {
      button.disabled = true;
    });
  }

  function append(node) {
    ui.log.appendChild(node);
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function clearLog() {
    ui.log.replaceChildren();
  }

  function setStatus(text) {
    ui.status.textContent = text;
  }

  // Rasa sends no typing events: dots from sending until the first reply, or a timeout.
  function showTyping() {
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
  }

  function hideTyping() {
    ui.typing.hidden = true;
    clearTimeout(typingTimer);
  }
})();
