#pragma once
// The browser console (issue 14 item 6, docs/console.md): GET / and its three assets, compiled into
// the binary from web/console/. It holds no protocol of its own: the page speaks the OpenAI API of
// src/protocols/openai/ from the browser.

namespace voxgate {
class Router;
struct ProtocolContext;
namespace console {
// Registers nothing when voxgate.openai.console is false.
void registerConsoleRoutes(Router& router, ProtocolContext& context);
}  // namespace console
}  // namespace voxgate
