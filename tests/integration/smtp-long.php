<?php
// smtp-long.php: one SMTP transaction over a unix socket that makes every
// long field of the milter's log line long (the script's folder, the
// function that waits for the reply, the sender, the Message-ID) and
// sends more forged X-Mailorigin-* headers than the milter can remove
// (a fault to log).  Query: socket, to.  Prints "sent=1" or "sent=0 ...".
// The function's name is made long by the test (FNAME below).
function FNAME($s): string
{
    while (($l = fgets($s, 1000)) !== false) {
        if (strlen($l) < 4 || $l[3] !== '-') {
            return rtrim($l);
        }
    }
    return '';
}

$p = $_GET;
$s = stream_socket_client('unix://' . $p['socket'], $errno, $errstr, 10);
if ($s === false) {
    echo "sent=0 $errstr\n";
    exit(1);
}
$from = str_repeat('f', 500) . '@test.invalid';
$head = "Subject: long fields\r\nMessage-ID: <" . str_repeat("\\\\", 200) . "@test.invalid>\r\n";
for ($i = 0; $i < 70; $i++) {
    $head .= "X-Mailorigin-Junk$i: forged\r\n";
}
$steps = ["EHLO long.test", "MAIL FROM:<$from>", "RCPT TO:<{$p['to']}>", "DATA",
    $head . "\r\nbody\r\n."];
$r = FNAME($s);
foreach ($steps as $cmd) {
    if ($r === '' || ($r[0] !== '2' && $r[0] !== '3')) {
        break;
    }
    fwrite($s, "$cmd\r\n");
    $r = FNAME($s);
}
fwrite($s, "QUIT\r\n");
echo $r !== '' && $r[0] === '2' ? "sent=1\n" : "sent=0 $r\n";
