// Telling systemd (Type=notify) what the gate is doing, through libsystemd's
// sd_notify: READY=1 once it serves, RELOADING=1 / READY=1 around a reload,
// STOPPING=1 when it drains, and STATUS= lines for `systemctl status`.
// Without NOTIFY_SOCKET in the environment every call does nothing.
//
// NOTIFY_SOCKET is deliberately left in the environment: the process a
// SIGUSR2 upgrade starts inherits it and announces itself as the new main
// process (MAINPID=). Apps never see it: they get an environment of their own
// (app_spawn.cpp).
#pragma once

#include <string>

namespace httpgate::gate::systemd {

// The gate serves: READY=1 with MAINPID= (this process: right after an
// upgrade or a detach it is not the process systemd started) and `status`.
void notifyReady(const std::string& status);

// A reload begins: RELOADING=1 and MONOTONIC_USEC= (now, CLOCK_MONOTONIC),
// as systemd wants them to tell one reload from the next.
void notifyReloading();

// A reload ended, well or not: READY=1 with `status`.
void notifyReloaded(const std::string& status);

// The gate stops accepting and drains: STOPPING=1 with `status`.
void notifyStopping(const std::string& status);

// Only a new STATUS= line.
void notifyStatus(const std::string& status);

}  // namespace httpgate::gate::systemd
