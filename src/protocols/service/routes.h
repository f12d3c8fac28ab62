#pragma once

namespace voxgate {
class Router;
namespace service {
// Operational endpoints: GET /api/healthz and GET /api/stats.
void registerServiceRoutes(Router& router);
}  // namespace service
}  // namespace voxgate
