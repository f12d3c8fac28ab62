#pragma once
// The Beast/Asio names the transport and the adapters use (defined once, in core/net.h).
#include "core/net.h"
