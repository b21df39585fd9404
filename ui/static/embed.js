/* Aisle chat widget for any store page, served by Aisle itself (no CDN).
 *
 *   <script src="https://YOUR-AISLE-HOST/embed.js" async></script>
 *
 * Optional attributes on the script tag:
 *   data-token="<JWT>"    signs the shopper in: a one-time HS256 token (sub = customer id, exp, jti)
 *                         minted by the store's backend for this page view with AISLE_EMBED_SECRET;
 *                         without a valid one the shopper is a guest
 *   data-open="true"       start with the chat open
 *   data-label="Ask us"    the launcher button's text
 */
(function () {
  var script = document.currentScript;
  if (!script || document.getElementById("aisle-launcher")) return;
  var origin = new URL(script.src, location.href).origin;
  var params = new URLSearchParams({ embed: "1" });
  if (script.dataset.token) params.set("token", script.dataset.token);
  var frame = document.createElement("iframe");
  frame.id = "aisle-chat-frame";
  frame.title = "Shopping assistant";
  frame.src = origin + "/?" + params.toString();
  frame.setAttribute("allow", "clipboard-write");
  frame.style.cssText = "position:fixed;right:16px;bottom:80px;width:min(420px,calc(100vw - 32px));" +
    "height:min(680px,calc(100vh - 112px));border:1px solid #d7dbe0;border-radius:14px;" +
    "box-shadow:0 8px 30px rgba(0,0,0,.18);background:#fff;z-index:2147483000;display:none;";
  var button = document.createElement("button");
  button.id = "aisle-launcher";
  button.type = "button";
  button.textContent = script.dataset.label || "Chat with us";
  button.setAttribute("aria-controls", frame.id);
  button.setAttribute("aria-expanded", "false");
  button.style.cssText = "position:fixed;right:16px;bottom:16px;padding:12px 18px;border:none;" +
    "border-radius:24px;background:#3b6ea8;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.2);z-index:2147483001;";
  function toggle(open) {
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-expanded", String(open));
  }
  button.addEventListener("click", function () { toggle(frame.style.display === "none"); });
  document.body.appendChild(frame);
  document.body.appendChild(button);
  if (script.dataset.open === "true") toggle(true);
})();
