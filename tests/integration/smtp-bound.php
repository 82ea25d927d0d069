<?php
// smtp-bound.php HOST PORT TO [DEVICE]: one SMTP transaction from a socket
// bound to DEVICE (default lo) with SO_BINDTODEVICE, which any user may set
// (Linux 5.7 and later), waiting for each reply.  Prints "sent=1" or
// "sent=0 <why>".
[$host, $port, $to] = [$argv[1], (int)$argv[2], $argv[3]];
$dev = $argv[4] ?? 'lo';
$s = socket_create(AF_INET, SOCK_STREAM, SOL_TCP);
if (!socket_set_option($s, SOL_SOCKET, SO_BINDTODEVICE, $dev)) {
    echo "sent=0 SO_BINDTODEVICE: ", socket_strerror(socket_last_error($s)), "\n";
    exit(1);
}
if (!socket_connect($s, $host, $port)) {
    echo "sent=0 connect: ", socket_strerror(socket_last_error($s)), "\n";
    exit(1);
}
$buf = '';
function reply($s, string &$buf): string
{
    for (;;) {
        while (($nl = strpos($buf, "\n")) !== false) {
            $l = substr($buf, 0, $nl + 1);
            $buf = substr($buf, $nl + 1);
            if (strlen($l) < 4 || $l[3] !== '-') {
                return rtrim($l);
            }
        }
        $got = socket_read($s, 4096, PHP_BINARY_READ);
        if ($got === false || $got === '') {
            return '';
        }
        $buf .= $got;
    }
}
$steps = ["EHLO bound.test", "MAIL FROM:<bound@test.invalid>", "RCPT TO:<$to>", "DATA",
    "Subject: bound to $dev\r\n\r\nsent from a socket bound to $dev\r\n."];
$r = reply($s, $buf);
foreach ($steps as $cmd) {
    if ($r === '' || ($r[0] !== '2' && $r[0] !== '3')) {
        break;
    }
    socket_write($s, "$cmd\r\n");
    $r = reply($s, $buf);
}
socket_write($s, "QUIT\r\n");
reply($s, $buf);
echo $r !== '' && $r[0] === '2' ? "sent=1\n" : "sent=0 $r\n";
