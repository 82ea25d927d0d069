<?php
// logline.php: a strict reader of mailorigin's key=value log lines, so
// that the tests check that a line parses, not only that it contains text.
//   php logline.php check            every stdin line parses (exit 0) or not (2)
//   php logline.php get KEY          decoded value of KEY in the stdin line
//                                    (exit 1 if absent, 2 if unparsable)
//   php logline.php missing KEY...   prints the KEYs absent from the line
//   php logline.php dump             key<TAB>json-encoded value, one a line
// Grammar: tokens separated by one space; token = key "=" value;
// key = [a-z_][a-z0-9_]*; value = bare or "quoted".  A bare value has no
// space, quote, backslash, control or non-ASCII byte; a quoted value holds
// no raw control or non-ASCII byte and uses C escapes (\n \t \r \\ \"
// \xHH \a \b \f \v \e, \NNN octal).  A prefix "<PRI>Mmm dd hh:mm:ss ident[PID]: "
// (syslog) or "ISO-8601-time ident[PID]: " (log file) is accepted and
// reported as keys _pri, _time, _ident, _pid.

function parse_line(string $l): ?array {
    $kv = [];
    // syslog: "<PRI>Mmm dd hh:mm:ss ident[pid]: "; log file: "ISO-8601 ident[pid]: "
    $re = '/^(?:<(\d{1,3})>)?(?:([A-Z][a-z]{2} [ 0-9]\d \d\d:\d\d:\d\d'
        . '|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) )?'
        . '([a-z][a-z0-9_-]*)(?:\[(\d+)\])?: /';
    if (preg_match($re, $l, $m)) {
        if ($m[1] !== '') $kv['_pri'] = $m[1];
        if ($m[2] !== '') $kv['_time'] = $m[2];
        $kv['_ident'] = $m[3];
        if (($m[4] ?? '') !== '') $kv['_pid'] = $m[4];
        $l = substr($l, strlen($m[0]));
    }
    $i = 0; $n = strlen($l);
    if ($n === 0) return null;
    while ($i < $n) {
        if (!preg_match('/\G([a-z_][a-z0-9_]*)=/A', $l, $m, 0, $i)) return null;
        $key = $m[1];
        if (array_key_exists($key, $kv)) return null;   // a key twice is ambiguous
        $i += strlen($m[0]);
        if ($i < $n && $l[$i] === '"') {
            $i++; $v = '';
            for (;;) {
                if ($i >= $n) return null;
                $c = $l[$i]; $o = ord($c);
                if ($o < 0x20 || $o >= 0x7f) return null;
                if ($c === '"') { $i++; break; }
                if ($c !== '\\') { $v .= $c; $i++; continue; }
                $i++;
                if ($i >= $n) return null;
                $e = $l[$i];
                $simple = ['n' => "\n", 't' => "\t", 'r' => "\r", '\\' => '\\', '"' => '"',
                           'a' => "\x07", 'b' => "\x08", 'f' => "\x0c", 'v' => "\x0b", 'e' => "\x1b"];
                if (isset($simple[$e])) { $v .= $simple[$e]; $i++; }
                elseif ($e === 'x' && preg_match('/\G[0-9a-fA-F]{2}/A', $l, $h, 0, $i + 1)) {
                    $v .= chr(hexdec($h[0])); $i += 3;
                } elseif (preg_match('/\G[0-7]{1,3}/A', $l, $h, 0, $i)) {
                    $v .= chr(octdec($h[0]) & 0xff); $i += strlen($h[0]);
                } else return null;
            }
        } else {
            if (!preg_match('/\G[^ "\\\\\x00-\x1f\x7f-\xff]*/A', $l, $m, 0, $i)) return null;
            $v = $m[0]; $i += strlen($v);
        }
        $kv[$key] = $v;
        if ($i < $n) {
            if ($l[$i] !== ' ' || $i + 1 >= $n) return null;
            $i++;
        }
    }
    return $kv;
}

$cmd = $argv[1] ?? '';
$lines = [];
while (($l = fgets(STDIN)) !== false) $lines[] = rtrim($l, "\n");
if ($cmd === 'check') {
    if (!$lines) exit(2);
    foreach ($lines as $l) if (parse_line($l) === null) { fwrite(STDERR, "unparsable: $l\n"); exit(2); }
    exit(0);
}
$kv = parse_line($lines[0] ?? '');
if ($kv === null) { fwrite(STDERR, "unparsable\n"); exit(2); }
if ($cmd === 'get') {
    if (!array_key_exists($argv[2], $kv)) exit(1);
    echo $kv[$argv[2]];
    exit(0);
}
if ($cmd === 'missing') {
    foreach (array_slice($argv, 2) as $k) if (!array_key_exists($k, $kv)) echo $k, "\n";
    exit(0);
}
if ($cmd === 'dump') {
    foreach ($kv as $k => $v) echo $k, "\t", json_encode($v, JSON_UNESCAPED_SLASHES), "\n";
    exit(0);
}
fwrite(STDERR, "usage: logline.php check|get KEY|missing KEY...|dump\n");
exit(64);
