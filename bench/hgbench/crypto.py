"""`openssl speed` figures: what the TLS work costs at least, per operation."""

import subprocess

MIB = 1024 * 1024
BLOCK = 16384


def _speed(args, seconds):
    out = subprocess.run(["openssl", "speed", "-seconds", str(seconds), "-mr", *args],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    return [line.split(":") for line in out.splitlines() if line.startswith("+F")]


def _per_op_us(rate):
    return 1e6 / rate if rate > 0 else None


def measure(seconds=2):
    """µs per operation for the handshake's signature and key exchange and
    for bulk encryption; with -mr, openssl prints "+F4:i:bits:sign/s:verify/s"
    for ECDSA, "+F2:..." for RSA, "+F5:i:bits:ops/s:s/op" for ECDH and
    "+F:i:name:bytes/s" for a cipher at the one -bytes size."""
    floor = {}
    for fields in _speed(["ecdsap256"], seconds):
        if fields[0] == "+F4":
            floor["ecdsa_p256_sign_us"] = _per_op_us(float(fields[3]))
            floor["ecdsa_p256_verify_us"] = _per_op_us(float(fields[4]))
    for fields in _speed(["rsa2048"], seconds):
        if fields[0] == "+F2":
            floor["rsa2048_sign_us"] = _per_op_us(float(fields[3]))
            floor["rsa2048_verify_us"] = _per_op_us(float(fields[4]))
    for fields in _speed(["ecdhx25519"], seconds):
        if fields[0] == "+F5":
            floor["x25519_derive_us"] = _per_op_us(float(fields[3]))
    for cipher in ("aes-128-gcm", "aes-256-gcm"):
        for fields in _speed(["-bytes", str(BLOCK), "-evp", cipher], seconds):
            if fields[0] == "+F":
                per_second = float(fields[3])
                key = cipher.replace("-", "_")
                floor[f"{key}_16k_us"] = BLOCK / per_second * 1e6
                floor[f"{key}_per_mib_us"] = MIB / per_second * 1e6
    return floor
