#!/bin/sh
# TEST-ONLY PKI for the SSL_GET client-certificate tests, made fresh in directory $1 on each
# run (no key is ever committed): a root CA, an intermediate CA, a client certificate signed
# by the root (client.*), one signed by the intermediate (leaf.*), a self-signed server
# certificate (server.*), an unrelated key (other.key), the client key encrypted as PKCS#8
# (enc.key) and as a legacy OpenSSL key (legacy.key), the client key in SEC1 form (sec1.key),
# an RSA client certificate signed by the root with a PKCS#1 key (rsa.pem, rsa.key), and
# ca-bundle.pem (intermediate + root).
set -e
cd "$1"
o() { openssl "$@" >/dev/null 2>&1; }
ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >ca.ext
printf 'basicConstraints=critical,CA:FALSE\nextendedKeyUsage=clientAuth\n' >client.ext
o req -x509 $ec -days 2 -subj /CN=test-root -keyout root.key -out root.pem
o req $ec -subj /CN=test-intermediate -keyout inter.key -out inter.csr
o x509 -req -days 2 -in inter.csr -CA root.pem -CAkey root.key -CAcreateserial \
    -extfile ca.ext -out inter.pem
for c in client:root leaf:inter; do
    name=${c%%:*}
    ca=${c##*:}
    o req $ec -subj "/CN=test-$name" -keyout "$name.key" -out "$name.csr"
    o x509 -req -days 2 -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
        -extfile client.ext -out "$name.pem"
done
o req -newkey rsa:2048 -nodes -subj /CN=test-rsa -keyout rsa8.key -out rsa.csr
o x509 -req -days 2 -in rsa.csr -CA root.pem -CAkey root.key -CAcreateserial \
    -extfile client.ext -out rsa.pem
o pkey -in rsa8.key -traditional -out rsa.key
o pkey -in client.key -traditional -out sec1.key
o req -x509 $ec -days 2 -subj /CN=rs.test -keyout server.key -out server.pem
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key
o pkey -in client.key -aes-128-cbc -passout pass:secret -out enc.key
o pkey -in client.key -aes-128-cbc -passout pass:secret -traditional -out legacy.key
cat inter.pem root.pem >ca-bundle.pem
