# tests/lib/php.sh: two PHP sites and the SAPIs that run them.
#
# Sites: $MO_WWW/site-a (owned by mo-site-a) and $MO_WWW/site-b (mo-site-b),
# each with a copy of tests/integration/send.php.  Every SAPI gets the
# sendmail_path under test with php_admin_value / -d, never through the
# system's php.ini (which is only read).
#   php_sites                          make the site folders and scripts
#   php_smtp_site SITE                 smtp.php and its lib/smtp-send.php in SITE
#   php_cli USER DIR SENDMAIL_PATH SCRIPT ARGS...   php-cli as USER in DIR
#   php_cgi USER SENDMAIL_PATH SCRIPT QUERY         php-cgi as USER (SCRIPT_FILENAME)
#   fpm_start SENDMAIL_PATH            one pool per site (user = the site's owner)
#   fpm_get SITE SCRIPT QUERY          a request through cgi-fcgi
#   apache_start SENDMAIL_PATH         prefork + mod_php as www-data, one port
#   apache_get PATH_AND_QUERY          curl the URL

PHP_VER=$(php -r 'echo PHP_MAJOR_VERSION, ".", PHP_MINOR_VERSION;' 2>/dev/null)

php_sites() {
	MO_WWW=${MO_WWW:-$T/www}
	local s
	mkdir -p "$MO_WWW"; chmod 755 "$MO_WWW"
	for s in a b; do
		mkdir -p "$MO_WWW/site-$s/sub"
		cp "$MO_ROOT/tests/integration/send.php" "$MO_WWW/site-$s/send.php"
		[ -f "$MO_ROOT/tests/integration/phpmailer.php" ] &&
			cp "$MO_ROOT/tests/integration/phpmailer.php" "$MO_WWW/site-$s/phpmailer.php"
		chown -R "mo-site-$s:mo-site-$s" "$MO_WWW/site-$s"
		chmod -R u+rwX,go+rX,go-w "$MO_WWW/site-$s"
	done
	mkdir -p "$T/special" "$T/elsewhere"; chmod 777 "$T/special" "$T/elsewhere"
}

# php_smtp_site SITE (a or b): PHPMailer over SMTP, tests/integration/smtp.php
# and the file it includes, installed in the site as its owner's (smtp.php
# an hour old)
php_smtp_site() {
	local u=mo-site-$1 d=$MO_WWW/site-$1
	install -o "$u" -g "$u" -m 644 "$MO_ROOT/tests/integration/smtp.php" "$d/smtp.php"
	install -o "$u" -g "$u" -m 755 -d "$d/lib"
	install -o "$u" -g "$u" -m 644 "$MO_ROOT/tests/integration/lib/smtp-send.php" "$d/lib/smtp-send.php"
	touch -d '1 hour ago' "$d/smtp.php"
}

# urlencode STRING
urlenc() { "$MO_PHP" -n -r 'echo rawurlencode($argv[1]);' -- "$1"; }

# php_cli USER DIR SENDMAIL_PATH SCRIPT [ARGS...]
php_cli() {
	local u=$1 d=$2 sp=$3; shift 3
	(cd "$d" && mo_as "$u" php -d "sendmail_path=$sp" -d mail.add_x_header=Off "$@")
}

# php_cgi USER SENDMAIL_PATH SCRIPT_FILENAME QUERY
php_cgi() {
	local u=$1 sp=$2 sf=$3 q=$4
	command -v php-cgi >/dev/null || return 127
	(cd / && setpriv --reuid="$u" --regid="$u" --init-groups \
		env -i SCRIPT_FILENAME="$sf" SCRIPT_NAME="/$(basename "$sf")" \
		REQUEST_METHOD=GET QUERY_STRING="$q" REDIRECT_STATUS=200 \
		GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
		php-cgi -d "sendmail_path=$sp" -d mail.add_x_header=Off)
}

fpm_start() {
	local sp=$1 bin=/usr/sbin/php-fpm$PHP_VER s
	[ -x "$bin" ] || mo_skip_all "php-fpm ($bin) not installed"
	command -v cgi-fcgi >/dev/null || mo_skip_all "cgi-fcgi (libfcgi-bin) not installed"
	FPM=$T/fpm
	mkdir -p "$FPM"
	{
		echo "[global]"
		echo "pid = $FPM/fpm.pid"
		echo "error_log = $FPM/error.log"
		echo "daemonize = no"
		for s in a b; do
			echo "[site-$s]"
			echo "user = mo-site-$s"
			echo "group = mo-site-$s"
			echo "listen = $FPM/site-$s.sock"
			echo "listen.owner = root"
			echo "listen.mode = 0600"
			echo "pm = static"
			echo "pm.max_children = 1"
			echo "pm.status_path = /status"
			echo "catch_workers_output = yes"
			echo "php_admin_value[sendmail_path] = \"$sp\""
			echo "php_admin_value[mail.add_x_header] = Off"
			echo "php_admin_value[error_log] = $FPM/php-error.log"
		done
	} >"$FPM/fpm.conf"
	"$bin" -y "$FPM/fpm.conf" -F >"$FPM/stdout" 2>&1 &
	FPM_PID=$!
	mo_atexit fpm_stop
	local i
	for i in $(seq 100); do
		[ -S "$FPM/site-a.sock" ] && [ -S "$FPM/site-b.sock" ] && return 0
		kill -0 "$FPM_PID" 2>/dev/null || break
		sleep 0.1
	done
	mo_bail "php-fpm did not start" "$(cat "$FPM/stdout" "$FPM/error.log" 2>/dev/null)"
}

fpm_stop() {
	[ -n "${FPM_PID:-}" ] || return 0
	kill -QUIT "$FPM_PID" 2>/dev/null
	local i
	for i in $(seq 50); do kill -0 "$FPM_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$FPM_PID" 2>/dev/null
	wait "$FPM_PID" 2>/dev/null
	FPM_PID=
}

# fpm_get SITE SCRIPT QUERY: the response body (headers stripped)
fpm_get() {
	local s=$1 script=$2 q=$3
	env -i SCRIPT_FILENAME="$MO_WWW/$s/$script" SCRIPT_NAME="/$script" \
		REQUEST_URI="/$script?$q" DOCUMENT_ROOT="$MO_WWW/$s" \
		REQUEST_METHOD=GET QUERY_STRING="$q" SERVER_NAME="$s.test" \
		GATEWAY_INTERFACE=CGI/1.1 SERVER_PROTOCOL=HTTP/1.1 \
		cgi-fcgi -bind -connect "$FPM/$s.sock" | sed '1,/^\r\?$/d'
}

apache_start() {
	local sp=$1 mods=/usr/lib/apache2/modules
	[ -x /usr/sbin/apache2 ] || mo_skip_all "apache2 not installed"
	[ -f "$mods/libphp$PHP_VER.so" ] || mo_skip_all "libapache2-mod-php not installed"
	AP=$T/apache
	mkdir -p "$AP/run"
	AP_PORT=$(mo_free_port $((17100 + $$ % 400))) || mo_bail "no free port in 17100-17999"
	cat >"$AP/httpd.conf" <<CONF
ServerRoot "$AP"
ServerName 127.0.0.1
Listen 127.0.0.1:$AP_PORT
PidFile "$AP/httpd.pid"
DefaultRuntimeDir "$AP/run"
Mutex file:$AP/run default
ErrorLog "$AP/error.log"
LogLevel warn
LoadModule mpm_prefork_module $mods/mod_mpm_prefork.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule dir_module $mods/mod_dir.so
LoadModule php_module $mods/libphp$PHP_VER.so
User www-data
Group www-data
StartServers 1
MinSpareServers 1
MaxSpareServers 2
MaxRequestWorkers 4
DocumentRoot "$MO_WWW"
<Directory />
    Require all denied
</Directory>
<Directory "$MO_WWW">
    Require all granted
</Directory>
<FilesMatch "\.php$">
    SetHandler application/x-httpd-php
</FilesMatch>
php_admin_value sendmail_path "$sp"
php_admin_flag mail.add_x_header off
CONF
	/usr/sbin/apache2 -f "$AP/httpd.conf" -k start >"$AP/start.out" 2>&1 ||
		mo_bail "apache2 did not start" "$(cat "$AP/start.out" "$AP/error.log" 2>/dev/null)"
	mo_atexit apache_stop
	local i
	for i in $(seq 100); do
		AP_PID=$(cat "$AP/httpd.pid" 2>/dev/null)
		[ -n "$AP_PID" ] && curl -s -o /dev/null "http://127.0.0.1:$AP_PORT/" && return 0
		sleep 0.1
	done
	mo_bail "apache2 not answering on 127.0.0.1:$AP_PORT" "$(cat "$AP/error.log" 2>/dev/null)"
}

apache_stop() {
	[ -n "${AP_PID:-}" ] || AP_PID=$(cat "$AP/httpd.pid" 2>/dev/null)
	[ -n "${AP_PID:-}" ] || return 0
	kill -TERM "$AP_PID" 2>/dev/null
	local i
	for i in $(seq 50); do kill -0 "$AP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$AP_PID" 2>/dev/null
	AP_PID=
}

apache_get() { curl -s --max-time 60 "http://127.0.0.1:$AP_PORT/$1"; }
