#pragma once

namespace voxgate {
class Router;
struct ProtocolContext;
namespace service {
// Operational endpoints: GET /api/healthz and GET /api/stats.
void registerServiceRoutes(Router& router, ProtocolContext& context);
}  // namespace service
}  // namespace voxgate
