r"""``curl``: HTTP(S) requests that follow the network path through the simulated machines.

Why: integration tests prove that the Kubernetes API answers through the load balancer's
virtual IP by running, on a unit through ``juju exec``, ``curl -sk -o /dev/null -w
'%{http_code}' https://VIP:6443/livez``. On the simulated machines the answer must come from
the machines' state, not from a canned reply: who holds the VIP, whether HAProxy runs there and
what its configuration forwards where, whether that backend's health check passes, and whether
the Kubernetes API server runs on the machine the connection lands on.

``curl`` exists on a simulated machine while the Debian ``curl`` package is installed there,
which every machine is: ``curl`` is one of Ubuntu 24.04 server's base packages (``BASE_PACKAGES``
in :mod:`.apt`). Elsewhere ``curl: No such file or directory``, exit status 127.

The path of ``curl [options] URL`` (``http``/``https``; no scheme means ``http``):

1. The host: an IP address, ``localhost``, a name in the client's ``/etc/hosts`` (so a machine's
   own host name is its ``127.0.1.1``), or a simulated machine's host name (its first address,
   as MAAS DNS answers); anything else is ``curl: (6) Could not resolve host: NAME``.
2. The machine holding the address: the client itself for a loopback address, the machine
   that has it, or the keepalived VIP holder (the election is reconciled first, as ``ip`` and
   ``haproxy`` do, see :mod:`.keepalived`). Nobody holds it, or nothing listens on the port
   there: ``curl: (7) Failed to connect to HOST port PORT after 0 ms: Couldn't connect to
   server`` (curl's text since 7.8x; HOST as written in the URL). Deviation: for an address
   nobody holds, real curl on the same subnet gets ``No route to host`` after about three
   seconds of ARP (same exit status and message, a larger "after N ms"); no simulated time
   passes here, and the connect timeouts (``-m``, ``--connect-timeout``) never expire.
3. Who listens on the port there, first match:

   - HAProxy, when the haproxy package is installed, ``haproxy.service`` is active and a
     ``frontend``/``listen`` of ``/etc/haproxy/haproxy.cfg`` binds the port on that address
     (``*:P``, ``:P``, ``0.0.0.0:P``: IPv4; ``:::P``: IPv6, and IPv4 too unless ``v6only``;
     ``ADDR:P``; port ranges; ``ipv4@``/``ipv6@`` prefixes). In ``mode tcp`` (the default, the
     charm's) it forwards the connection to its ``default_backend`` (or a ``listen``'s own
     servers): the first server in order that is up. A server with ``check`` is up when its
     health check passes now, computed through the same path from the HAProxy machine: with
     ``option httpchk [GET] URI`` (or ``http-check send meth GET uri URI``) an HTTP(S)
     (``check-ssl``, ``verify none``) ``GET URI`` whose status matches ``http-check expect
     status CODES`` (a comma-separated list of codes and ``N-M`` ranges, HAProxy 2.2+;
     default 2xx/3xx); otherwise a TCP connect (and TLS handshake with ``check-ssl``).
     A server without ``check`` is taken as up; ``disabled`` ones are skipped;
     ``backup`` ones serve only when no other is up; ``addr``/``port`` move the check. The
     ``balance`` algorithm is not modelled (the first up server takes the connection), nor
     the ``rise``/``fall`` history (a check is its steady state). No server to forward to:
     HAProxy accepts and closes the connection, so curl gets ``curl: (35) OpenSSL
     SSL_connect: SSL_ERROR_SYSCALL in connection to HOST:PORT `` (sic, trailing space) over
     https and ``curl: (52) Empty reply from server`` over http (both checked with curl
     7.88.1 against a server that accepts and closes; the code is the same in 8.5). HAProxy
     runs what ``haproxy.cfg`` holds now (the charm reloads it after every write).
   - kube-apiserver on 6443 (k8s-snap's ``--secure-port``, on every address) when the machine
     is an initialised control-plane node of a simulated Canonical Kubernetes cluster (its
     ``daemon.yaml`` and ``state['k8s']`` with role ``control-plane``, see :mod:`.k8s`) and
     ``snap.k8s.kube-apiserver.service`` is active.
   - k8s-apiserver-proxy on a worker node (``--listen 127.0.0.1:6443``, k8s-snap's
     ``K8sAPIServerProxy``): loopback only, while ``snap.k8s.k8s-apiserver-proxy.service`` is
     active; it forwards to the first control-plane node of its cluster whose API server
     answers, and closes the connection when none does.

   A forwarding loop (a proxy reached again through itself) never answers; at most eight hops
   are followed.
4. TLS with the API server (kube-apiserver serves a certificate signed by the cluster CA). With
   ``-k``/``--insecure`` nothing is checked. Otherwise the CA bundle (``--cacert FILE``, else
   Ubuntu's ``/etc/ssl/certs/ca-certificates.crt``; the simulation lays down no bundle, and a
   missing default one counts as the public CAs) must hold the cluster CA's PEM (kept by
   :mod:`.k8s` in the shared state), else ``curl: (60) SSL certificate problem: unable to get
   local issuer certificate``; and the URL's host must be one of the serving node's SANs
   (k8s-snap's ``pki.ControlPlanePKI``: the node address and its extra SANs, its host name,
   ``kubernetes``, ``kubernetes.default``, ``kubernetes.default.svc``,
   ``kubernetes.default.svc.cluster``, ``kubernetes.default.svc.cluster.local``, the first
   address of each service CIDR, the machine's addresses, ``127.0.0.1`` and ``::1``), else
   ``curl: (60) SSL: no alternative certificate subject name matches target host name
   'HOST'``. Both 60s are followed by curl's hint (also with ``-sS``)::

       More details here: https://curl.se/docs/sslcerts.html

       curl failed to verify the legitimacy of the server and therefore could not
       establish a secure connection to it. To learn more about this situation and
       how to fix it, please visit the web page mentioned above.

   A ``--cacert`` file that is not there: ``curl: (77) error setting certificate file: FILE``.
5. The API server's answer. k8s-snap runs kube-apiserver with ``--anonymous-auth=false``
   (canonical/k8s-snap ``src/k8s/pkg/k8sd/setup/kube_apiserver.go``, release-1.32 to
   release-1.35; its docs: "anonymous API access is disabled by default"), so a request that
   carries no credential the API server accepts never reaches a handler: the authentication
   filter answers 401 (kubernetes ``staging/src/k8s.io/apiserver/pkg/endpoints/filters/
   authentication.go`` ``Unauthorized``, ``apierrors.NewUnauthorized("Unauthorized")`` in
   ``staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go``: no ``details``), for every
   path, ``/livez`` included; pretty-printed, as for a ``curl`` user agent::

       {
         "kind": "Status",
         "apiVersion": "v1",
         "metadata": {},
         "status": "Failure",
         "message": "Unauthorized",
         "reason": "Unauthorized",
         "code": 401
       }

   HAProxy's health checks carry no credential either, so they get the same 401. A request
   authenticated with the admin client certificate of ``k8s config``'s kubeconfig
   (``client-certificate-data``/``client-key-data``, base64-decoded into files given as
   ``--cert FILE --key FILE``; kube-apiserver checks it against ``--client-ca-file``, k8s-snap
   ``setup/kube_apiserver.go``) is the cluster admin: ``/livez``, ``/readyz``, ``/healthz``:
   200, ``ok`` (no newline). ``/version``: 200,
   ``version.Info`` as kube-apiserver writes it (``json.MarshalIndent`` with two spaces, no
   newline): ``major``, ``minor`` and ``gitVersion`` from the k8s snap installed on the
   serving machine, ``compiler`` ``gc``, ``platform`` ``linux/amd64``; ``gitCommit``,
   ``gitTreeState``, ``buildDate`` and ``goVersion`` are not known to the simulation and are
   empty; from 1.33 on also ``emulationMajor``/``emulationMinor`` (the same version) and
   ``minCompatibilityMajor``/``minCompatibilityMinor`` (one minor before). Any other
   authenticated path is not emulated (the API's resources are :mod:`.k8s`'s ``kubectl``).
   Another certificate: 401 as above. Plain http to 6443: 400, ``Client sent an HTTP request to an
   HTTPS server.`` and a newline (Go's net/http). Query strings on the health paths
   (``?verbose``) are not emulated.

Options (curl's own parser: short options combine, ``-sk``, ``-skf``; a value follows in the
same word or the next, ``-o/dev/null``, ``-o /dev/null``; ``--no-`` turns a switch off; ``=`` is
not curl syntax): ``-s``/``--silent``, ``-S``/``--show-error``, ``-k``/``--insecure``,
``-f``/``--fail``, ``-L``/``--location`` (the API server never redirects), ``-q``/``--disable``,
``-o``/``--output FILE`` (``/dev/null``, ``-`` for stdout, or an absolute path on the machine,
written after a successful transfer; a missing directory: ``Warning: Failed to open the file
FILE: No such file or directory`` and ``curl: (23) Failure writing output to destination``),
``-w``/``--write-out FORMAT`` (``%{http_code}``/``%{response_code}`` (``000`` without an
answer), ``%{exitcode}``, ``%{errormsg}``, ``%{remote_ip}``, ``%{remote_port}``,
``%{size_download}``, ``%{url_effective}``, ``%{content_type}``; ``%%``, ``\n``, ``\r``,
``\t``; a variable curl lacks prints ``curl: unknown --write-out variable: 'NAME'`` on stderr),
``-m``/``--max-time`` and ``--connect-timeout`` (numbers, accepted), ``--cacert FILE``,
``-E``/``--cert FILE`` with ``--key FILE`` (absolute paths of PEM files that exist; a missing
one is not emulated),
``--url URL``, ``-V``/``--version``. ``-f`` on a status of 400 or more: no body, exit 22,
``curl: (22) The requested URL returned error: 403``. Errors print ``curl: (N) MESSAGE``
unless ``-s`` without ``-S``. An option curl does not have: ``curl: option X: is unknown`` and
``curl: try 'curl --help' or 'curl --manual' for more information``, exit 2 (also with ``-s``);
a missing value ``curl: option X: requires parameter``; a bad number ``curl: option X: expected
a proper numerical parameter``; no URL ``curl: no URL specified!``. An unknown scheme: ``curl:
(1) Protocol "X" not supported`` (curl 8's wording); a malformed URL or port: ``curl: (3) URL
using bad/illegal format or missing URL`` (as curl 7.88.1 prints it). Texts were checked with
curl 7.88.1 and curl's sources; the version reported is the package's (8.5.0 on Ubuntu 24.04).

Not emulated (they raise :class:`~orchestrator.sim.SimError`): curl options that exist but are
not listed above (the short letters are all curl's; long ones are checked against the list
below, so a real option the list lacks is reported as unknown: extend it), other schemes curl
supports, several URLs, credentials in the URL, ``-w @FILE`` and write-out variables curl has
but the list above lacks, HAProxy ``mode http``, ``ssl`` binds or servers, ``use_backend``,
``send-proxy``, checks other than ``GET`` and ``expect status``. The progress meter curl shows
on stderr without ``-s`` is not drawn.
"""

# pyright: strict

from ._cli import handle
from ._tls import CA_BUNDLE

__all__ = ['CA_BUNDLE', 'handle']
