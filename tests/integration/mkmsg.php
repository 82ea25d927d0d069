<?php
// mkmsg.php TO CASE EOL ATTACH_BYTES [SEED]: print a complete message with
// the awkward parts real mail has: UTF-8 and 8-bit bytes, a body line that
// starts with "From ", a line with a lone ".", trailing spaces, a folded
// header, and an attachment of ATTACH_BYTES pseudo-random bytes in base64.
// EOL is "lf" or "crlf".  Same arguments, same bytes.
[$self, $to, $case, $eol, $n] = $argv + [null, null, null, 'lf', 0];
$seed = (int)($argv[5] ?? 1);
$e = $eol === 'crlf' ? "\r\n" : "\n";
mt_srand($seed);
$blob = '';
for ($i = 0; $i < (int)$n; $i += 4) $blob .= pack('N', mt_rand(0, 0x7fffffff) ^ ($i * 2654435761));
$blob = substr($blob, 0, (int)$n);
$b = "=_mo_boundary_$case";
$h = [
    "From: Sender <sender@test.invalid>",
    "To: $to",
    "Subject: byte test $case",
    "\t(folded subject part) \xc3\xa9t\xc3\xa9",
    "Date: Mon, 02 Nov 2026 10:00:00 +0000",
    "Message-ID: <$case.$seed@test.invalid>",
    "MIME-Version: 1.0",
    "Content-Type: multipart/mixed; boundary=\"$b\"",
];
$out = implode($e, $h) . $e . $e;
$out .= "This is a multi-part message in MIME format." . $e . $e . "--$b" . $e;
$out .= "Content-Type: text/plain; charset=UTF-8" . $e . "Content-Transfer-Encoding: 8bit" . $e . $e;
$out .= "Gr\xc3\xbc\xc3\x9fe, caf\xc3\xa9 \xe2\x82\xac 100" . $e;
$out .= "From the start of a line" . $e . "." . $e . ".. two dots" . $e;
$out .= "trailing spaces   " . $e . "\ttab line" . $e . str_repeat('x', 990) . $e . $e;
$out .= "--$b" . $e . "Content-Type: application/octet-stream; name=\"blob.bin\"" . $e;
$out .= "Content-Transfer-Encoding: base64" . $e;
$out .= "Content-Disposition: attachment; filename=\"blob.bin\"" . $e . $e;
$out .= rtrim(chunk_split(base64_encode($blob), 76, $e)) . $e;
$out .= "--$b--" . $e;
echo $out;
