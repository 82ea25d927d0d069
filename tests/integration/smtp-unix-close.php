<?php
// smtp-unix-close.php: a client of a unix-socket smtpd that closes without
// waiting for the reply to its message.  --socket --to --ready --go --mode:
//   body      the transaction step by step up to the 354, then touch READY,
//             wait for GO, send the message and "." and close at once;
//   pipeline  read the greeting, touch READY, wait for GO, send the whole
//             transaction and QUIT in one write and close at once.
// The test stops the milter between READY and the exit (a bound for
// failure, not a timing).  Prints "sent" or "failed <reply>".
$p = getopt('', ['socket:', 'to:', 'ready:', 'go:', 'mode:']);

function reply($s): string
{
    while (($l = fgets($s, 1000)) !== false) {
        if (strlen($l) < 4 || $l[3] !== '-') {
            return rtrim($l);
        }
    }
    return '';
}

function wait_go(string $ready, string $go): void
{
    touch($ready);
    for ($i = 0; $i < 3000 && !file_exists($go); $i++) {
        usleep(10000);
    }
}

$s = stream_socket_client('unix://' . $p['socket'], $errno, $errstr, 10);
if ($s === false) {
    echo "failed $errstr\n";
    exit(1);
}
$msg = "Subject: closed at once\r\n\r\nsent by " . __FILE__ . "\r\n.\r\n";
$r = reply($s);
if ($p['mode'] === 'pipeline') {
    wait_go($p['ready'], $p['go']);
    fwrite($s, "EHLO close.test\r\nMAIL FROM:<close@test.invalid>\r\nRCPT TO:<{$p['to']}>\r\nDATA\r\n"
        . $msg . "QUIT\r\n");
    fclose($s);
    echo "sent\n";
    exit(0);
}
foreach (["EHLO close.test", "MAIL FROM:<close@test.invalid>", "RCPT TO:<{$p['to']}>", "DATA"] as $cmd) {
    if ($r === '' || ($r[0] !== '2' && $r[0] !== '3')) {
        echo "failed $r\n";
        exit(1);
    }
    fwrite($s, "$cmd\r\n");
    $r = reply($s);
}
if (substr($r, 0, 3) !== '354') {
    echo "failed $r\n";
    exit(1);
}
wait_go($p['ready'], $p['go']);
fwrite($s, $msg);
fclose($s);
echo "sent\n";
