#!/usr/bin/env python3
"""Jinja2 side of `npm run bench:render`: renders bench/templates/access-switch.j2 for N devices.

    python3 bench/render_jinja2.py --devices N [--workers W] [--samples 0,1,N-1]

Builds the same per-device variables as bench/render.ts (device_variables below mirrors
deviceVariables there), renders on one core (this process), then on W cores (one process per
worker, started together at a barrier), and prints one JSON object: figures and the rendered text
of the sample devices, which bench/render.ts compares with its own.
"""
import argparse
import json
import multiprocessing as mp
import os
import re
import sys
import time

import jinja2

HERE = os.path.dirname(os.path.abspath(__file__))
OCTET = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$")


# The network filters, written like libs/templating/src/filters.ts (validate, then integer maths).
def _ipv4(text, name):
    parts = text.split(".")
    if len(parts) != 4 or not all(OCTET.match(p) for p in parts):
        raise ValueError(f'{name}: "{text}" is not an IPv4 address')
    value = 0
    for p in parts:
        value = value * 256 + int(p)
    return value


def _format(value):
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def _mask(prefix):
    return 0 if prefix == 0 else (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF


def _cidr(value, name):
    if not isinstance(value, str) or "/" not in value:
        raise ValueError(f"{name}: {value!r} is not an IPv4 prefix like 10.0.0.1/24")
    address, prefix = value.strip().split("/", 1)
    if not re.match(r"^\d{1,2}$", prefix) or int(prefix) > 32:
        raise ValueError(f"{name}: {prefix!r} is not a prefix length (0-32)")
    return _ipv4(address, name), int(prefix)


def ip_address(value):
    return _format(_cidr(value, "ip_address")[0])


def network_address(value):
    address, prefix = _cidr(value, "network_address")
    return _format(address & _mask(prefix))


def cidr_to_mask(value):
    return _format(_mask(_cidr(value, "cidr_to_mask")[1]))


def wildcard(value):
    return _format(~_mask(_cidr(value, "wildcard")[1]) & 0xFFFFFFFF)


def environment():
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(
        ip_address=ip_address, network_address=network_address, cidr_to_mask=cidr_to_mask, wildcard=wildcard
    )
    return env.get_template("access-switch.j2")


# Mirrors globalVariables / deviceVariables in bench/render.ts.
def global_variables():
    ports = [22, 53, 123, 161, 443, 8443]
    protocols = ["tcp", "udp", "tcp", "icmp"]
    entries = []
    for k in range(99):
        protocol = protocols[k % 4]
        entries.append(
            {
                "action": "deny" if k % 10 == 9 else "permit",
                "protocol": protocol,
                "source": f"10.{k}.{(k * 16) % 256}.0/20",
                "destination": f"192.168.{k}.0/24",
                "port": None if protocol == "icmp" else ports[k % 6],
            }
        )
    entries.append(
        {"action": "deny", "protocol": "ip", "source": "0.0.0.0/0", "destination": "0.0.0.0/0", "port": None}
    )
    return {
        "domain_name": "corp.example.net",
        "ntp_servers": ["192.0.2.1", "192.0.2.2"],
        "snmp": {"community": "n0c-ro"},
        "acl": {"name": "MGMT-IN", "entries": entries},
    }


def device_variables(i, g):
    site = i // 40
    hostname = f"acc-s{site}-sw{i % 40}"
    vlans = [{"id": 100 + (site % 50) * 10 + k, "name": f"s{site}-v{k}"} for k in range(8)]
    interfaces = []
    for k in range(48):
        n = k + 1
        name = f"GigabitEthernet1/0/{n}"
        if n > 46:
            interfaces.append(
                {
                    "name": name,
                    "description": f"uplink {n - 46} to dist-s{site}",
                    "mode": "trunk",
                    "native_vlan": 999,
                    "allowed_vlans": [v["id"] for v in vlans],
                    "enabled": True,
                }
            )
        else:
            interfaces.append(
                {
                    "name": name,
                    "description": f"desk {hostname}-{n}",
                    "mode": "access",
                    "vlan": vlans[(i + k) % 8]["id"],
                    "enabled": (i + k) % 11 != 0,
                }
            )
    return {
        "domain_name": g["domain_name"],
        "ntp_servers": g["ntp_servers"],
        "snmp": {"community": g["snmp"]["community"], "location": f"site {site}"},
        "acl": g["acl"],
        "vlans": vlans,
        "hostname": hostname,
        "mgmt": {"vlan": 999, "address": f"10.{100 + (i >> 8)}.{i & 255}.10/24"},
        "interfaces": interfaces,
    }


def render_range(template, devices):
    size = 0
    cpu = time.process_time()
    start = time.monotonic()
    for variables in devices:
        size += len(template.render(variables))
    return start, time.monotonic(), size, time.process_time() - cpu


def worker(index, first, last, barrier, results):
    template = environment()
    g = global_variables()
    devices = [device_variables(i, g) for i in range(first, last)]
    barrier.wait()
    start, end, size, cpu = render_range(template, devices)
    results.put((index, start, end, last - first, size, cpu))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--samples", default="0")
    args = parser.parse_args()
    n, workers = args.devices, args.workers
    samples = [int(s) for s in args.samples.split(",") if s != ""]

    template = environment()
    g = global_variables()
    sample_text = {str(i): template.render(device_variables(i, g)) for i in samples}

    devices = [device_variables(i, g) for i in range(n)]
    render_range(template, devices[: min(n, 500)])  # warm-up, as on the Node side
    start, end, size, cpu = render_range(template, devices)
    single = {"configs": n, "seconds": end - start, "cpu": cpu, "bytes": size}
    del devices

    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(workers)
    results = ctx.Queue()
    chunk = -(-n // workers)
    procs = []
    for w in range(workers):
        first, last = w * chunk, min(n, (w + 1) * chunk)
        p = ctx.Process(target=worker, args=(w, first, last, barrier, results))
        p.start()
        procs.append(p)
    done = [results.get() for _ in procs]
    for p in procs:
        p.join()
    multi = {
        "workers": workers,
        "configs": sum(d[3] for d in done),
        "seconds": max(d[2] for d in done) - min(d[1] for d in done),
        "bytes": sum(d[4] for d in done),
        "cpu": sum(d[5] for d in done),
    }
    json.dump(
        {"jinja2": jinja2.__version__, "python": sys.version.split()[0], "single": single, "multi": multi,
         "samples": sample_text},
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
