/* global window, location, fetch */
// The patient's page (join.html) loads this before its own code: it sends the link's POST /api/join
// at once, while the page's scripts are still downloading, so a phone on a slow network does not
// wait one more round trip before the first screen. client/lib/early-response.ts hands the response
// to the page's first request that asks exactly the same thing. A plain script, not a module: it
// runs the moment it arrives, without waiting for anything else.
(function () {
  var match = /^\/join\/([^/]+)/.exec(location.pathname);
  if (!match) return;
  var token = match[1];
  try {
    token = decodeURIComponent(token);
  } catch {
    // Not a link we issued: sent as it is, the server answers it as unknown.
  }
  var body = JSON.stringify({ token: token });
  var response = fetch('/api/join', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: body,
  });
  // Whoever takes it handles a failure; nobody taking it is not an error.
  response.catch(function () {});
  window.alcoveEarlyRequest = { method: 'POST', path: '/api/join', body: body, response: response };
})();
