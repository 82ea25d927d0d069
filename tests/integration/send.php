<?php
// send.php: a site script that sends one message with mail().
// Parameters (query string under a web SAPI, --name=value under the CLI):
//   to       recipient (required)
//   subject  Subject (default "test")
//   body     body text (default: a line naming this script)
//   from     From: header (default site@test.invalid)
//   extra    mail()'s 5th argument (additional_params), if given
//   hdrs     extra header lines (\n-separated), appended after From:
// Prints "mail=1" or "mail=0" (mail()'s return value).
if (PHP_SAPI === 'cli') {
    $p = getopt('', ['to:', 'subject:', 'body:', 'from:', 'extra:', 'hdrs:']);
} else {
    $p = $_GET;
}
$to = $p['to'] ?? '';
$subject = $p['subject'] ?? 'test';
$body = $p['body'] ?? "Hello from " . __FILE__ . "\n";
$headers = 'From: ' . ($p['from'] ?? 'site@test.invalid');
if (isset($p['hdrs']) && $p['hdrs'] !== '') {
    $headers .= "\r\n" . str_replace("\n", "\r\n", $p['hdrs']);
}
if (isset($p['extra'])) {
    $r = mail($to, $subject, $body, $headers, $p['extra']);
} else {
    $r = mail($to, $subject, $body, $headers);
}
echo 'mail=', $r ? 1 : 0, "\n";
