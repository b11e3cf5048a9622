// A small i18n module: English and Spanish strings, chosen from ?lang=, then the browser's
// languages, then English. Elements carry data-i18n="key" (text), data-i18n-aria="key"
// (aria-label) or data-i18n-placeholder="key"; code calls t(key, {vars}).
const STRINGS = {
  en: {
    'common.skip': 'Skip to content',
    'common.language': 'Language',
    'common.copy': 'Copy',
    'common.copied': 'Copied',
    'common.copyFailed': 'Copy failed: select and copy by hand',
    'common.cancel': 'Cancel',
    'common.close': 'Close',
    'err.service': 'Cannot reach the meeting service: {error}',
    'err.lost': 'Connection to the service lost, reconnecting…',

    'join.pageTitle': 'tpaas — join a meeting',
    'join.tagline': 'video meeting rooms',
    'join.title': 'Join',
    'join.titleByName': 'Join a meeting',
    'join.titleInvited': 'You are invited to',
    'join.invitedBy': '{owner} invites you to the video meeting room {room}.',
    'join.previewLabel': 'Camera preview',
    'join.micLevel': 'Microphone level',
    'join.microphone': 'Microphone',
    'join.camera': 'Camera',
    'join.micN': 'Microphone {n}',
    'join.camN': 'Camera {n}',
    'join.noneFound': 'None found',
    'join.noDevices': 'Camera and microphone unavailable ({error}). Allow access in the browser, or join without them.',
    'join.noCamera': 'No camera: you will join with sound only.',
    'join.cameraIsOff': 'Your camera is off',
    'join.room': 'Room',
    'join.roomHint': 'For example alice.join',
    'join.yourName': 'Your name',
    'join.pin': 'PIN',
    'join.pinHint': '(if the room has one)',
    'join.join': 'Join',
    'join.badRoom': 'Room names have 3 to 32 characters: a–z, 0–9, dot and hyphen.',
    'join.badPin': 'The PIN has exactly 4 digits.',
    'join.connectingService': 'Connecting to the meeting service…',
    'join.ready': 'Ready',
    'join.connecting': 'Connecting…',
    'join.failed': 'Could not join: {error} ({code})',
    'join.full': 'This server is full right now, so the meetings on it keep their quality. Try again in {s} s.',
    'join.mediaError': 'Camera/microphone unavailable: {error}',

    'invalid.title': 'This invitation link does not work',
    'invalid.body': 'It may have been revoked or deleted by the person who invited you, or it was copied incompletely. Ask them for a new invitation.',
    'invalid.joinByName': 'Join a room by its name and PIN instead',
    'invalid.status': 'Invalid or revoked invitation link',

    'call.meeting': 'Meeting',
    'call.picture': 'Meeting picture',
    'call.self': 'Your camera',
    'call.controls': 'Call controls',
    'call.mute': 'Mute',
    'call.unmute': 'Unmute',
    'call.cameraOff': 'Camera off',
    'call.cameraOn': 'Camera on',
    'call.leave': 'Leave',
    'call.participants': 'Participants',
    'call.you': '(you)',
    'call.talking': '(talking)',
    'call.inRoom': 'In room {room}',
    'call.unstable': 'Connection unstable…',
    'call.reconnecting': 'Connection lost: reconnecting (attempt {n})…',
    'call.reconnected': 'Reconnected to {room} after a network drop',
    'call.reconnectFailed': 'Could not reconnect to the meeting',
    'quality.label': 'Connection quality',
    'quality.text': '{level} · loss {loss}% · RTT {rtt} ms',
    'quality.good': 'Good',
    'quality.fair': 'Fair',
    'quality.poor': 'Poor',
    'quality.unknown': 'Measuring',

    'ended.leftTitle': 'You left the meeting',
    'ended.leftBody': 'You can join again with the same link.',
    'ended.leftStatus': 'You left the meeting',
    'ended.lostTitle': 'The connection was lost',
    'ended.lostBody': 'We could not get you back into the meeting. Check your network and join again.',
    'ended.rejoin': 'Join again',
    'kicked.title': 'Your access was revoked',
    'kicked.body': 'The owner of this room revoked your invitation, so you were removed from the meeting.',
    'kicked.status': 'Your access was revoked',

    'manage.pageTitle': 'tpaas — VMR management',
    'manage.tagline': 'VMR management',
    'manage.logout': 'Log out',
    'manage.connecting': 'Connecting to the service…',
    'login.title': 'Sign in with your device account',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.missing': 'Enter your user name and password.',
    'login.wrong': 'Wrong user name or password.',
    'login.locked': 'Too many failed attempts. Try again in {s} seconds.',
    'login.failed': 'Could not sign in: {error}',
    'login.expired': 'Your session expired. Please sign in again.',

    'room.title': 'VMR Management',
    'room.name': 'Room name',
    'room.nameHint': '3 to 32 characters: a–z, 0–9, dot and hyphen',
    'room.nameLength': 'Use 3 to 32 characters.',
    'room.nameChars': 'Only lower-case letters a–z, digits, dot and hyphen.',
    'room.nameTaken': 'That name is already taken: choose another.',
    'room.sipAddress': 'SIP address',
    'room.pin': 'PIN',
    'room.pinHint': 'Empty for no PIN, or exactly 4 digits',
    'room.pinBad': 'The PIN is empty or exactly 4 digits.',
    'room.layout': 'Layout',
    'room.receiveCall': 'Receive a call when a guest joins the room',
    'room.receiveCallHint': 'Your registered video device is called into the room when a guest arrives and you are not there.',
    'room.save': 'Save',
    'room.saved': 'Saved',
    'room.nothing': 'Nothing to save',
    'room.saveFailed': 'Could not save: {error}',
    'layout.speaker': 'Speaker',
    'layout.1p7': '1 + 7',
    'layout.2x2': '2 × 2',
    'layout.3x3': '3 × 3',

    'link.title': 'Your room',
    'link.joinLink': 'Join link',
    'link.meetingNumber': 'Meeting number',
    'link.dialIp': 'IP address to dial',
    'link.open': 'Open my room in a new tab',
    'sip.password': 'SIP password of your video devices',
    'sip.new': 'New password',
    'sip.hint': 'Your devices register with your user name and this password, never your sign-in password.',
    'sip.newTitle': 'Make a new SIP password?',
    'sip.newText': 'The current one stops working at once: enter the new one in every device that registers as you.',
    'sip.newFailed': 'Could not make a new SIP password: {error}',

    'notify.explain': 'Get a desktop notification when a guest joins your room.',
    'notify.enable': 'Enable notifications',
    'notify.title': 'A guest joined your room',
    'notify.guestJoined': '{name} joined your room {room}',
    'notify.pinLocked': '{n} wrong PINs: PIN entry to your room {room} is locked for {min} min. You and your invitation links still get in.',

    'inv.title': 'Invitations',
    'inv.email': 'Email',
    'inv.send': 'Send invitation',
    'inv.caption': 'Invitations to your room, newest first',
    'inv.url': 'URL',
    'inv.created': 'Created',
    'inv.state': 'State',
    'inv.mail': 'Mail',
    'inv.actions': 'Actions',
    'inv.empty': 'No invitations yet.',
    'inv.state.active': 'Active',
    'inv.state.revoked': 'Revoked',
    'inv.urlFor': 'Invitation link for {email}',
    'inv.copyFor': 'Copy the invitation link for {email}',
    'inv.revoke': 'Revoke',
    'inv.revokeFor': 'Revoke the invitation of {email}',
    'inv.delete': 'Delete',
    'inv.deleteFor': 'Delete the invitation of {email}',
    'inv.badEmail': 'Enter one valid email address.',
    'inv.failed': 'Could not invite: {error}',
    'inv.createdToast': 'Invitation created for {email}',
    'inv.mailNotSent': 'The invitation for {email} was created, but its mail could not be sent ({error}). Copy its link below and send it yourself.',
    'inv.revokeTitle': 'Revoke this invitation?',
    'inv.revokeText': 'The link sent to {email} stops working at once, and they leave the room if they are in it. The invitation stays in the list as revoked.',
    'inv.deleteTitle': 'Delete this invitation?',
    'inv.deleteText': 'The link sent to {email} stops working at once and the invitation is removed from the list.',
    'inv.revoked': 'Invitation of {email} revoked',
    'inv.deleted': 'Invitation of {email} deleted',
    'inv.actionFailed': 'That did not work: {error}',
    'mail.queued': 'Sending…',
    'mail.statusSent': 'Sent',
    'mail.statusFailed': 'Failed: {error}',
    'mail.sent': 'Invitation mail sent to {email}',
    'mail.failed': 'The invitation mail to {email} could not be sent: {error}',
  },
  es: {
    'common.skip': 'Ir al contenido',
    'common.language': 'Idioma',
    'common.copy': 'Copiar',
    'common.copied': 'Copiado',
    'common.copyFailed': 'No se pudo copiar: selecciónelo y cópielo a mano',
    'common.cancel': 'Cancelar',
    'common.close': 'Cerrar',
    'err.service': 'No se puede conectar con el servicio de reuniones: {error}',
    'err.lost': 'Se perdió la conexión con el servicio, reconectando…',

    'join.pageTitle': 'tpaas — unirse a una reunión',
    'join.tagline': 'salas de videoconferencia',
    'join.title': 'Unirse',
    'join.titleByName': 'Unirse a una reunión',
    'join.titleInvited': 'Está invitado a',
    'join.invitedBy': '{owner} le invita a la sala de videoconferencia {room}.',
    'join.previewLabel': 'Vista previa de la cámara',
    'join.micLevel': 'Nivel del micrófono',
    'join.microphone': 'Micrófono',
    'join.camera': 'Cámara',
    'join.micN': 'Micrófono {n}',
    'join.camN': 'Cámara {n}',
    'join.noneFound': 'No se encontró ninguno',
    'join.noDevices': 'Cámara y micrófono no disponibles ({error}). Permita el acceso en el navegador o únase sin ellos.',
    'join.noCamera': 'Sin cámara: se unirá solo con sonido.',
    'join.cameraIsOff': 'Su cámara está apagada',
    'join.room': 'Sala',
    'join.roomHint': 'Por ejemplo alice.join',
    'join.yourName': 'Su nombre',
    'join.pin': 'PIN',
    'join.pinHint': '(si la sala tiene uno)',
    'join.join': 'Unirse',
    'join.badRoom': 'Los nombres de sala tienen de 3 a 32 caracteres: a–z, 0–9, punto y guion.',
    'join.badPin': 'El PIN tiene exactamente 4 dígitos.',
    'join.connectingService': 'Conectando con el servicio de reuniones…',
    'join.ready': 'Listo',
    'join.connecting': 'Conectando…',
    'join.failed': 'No se pudo unir: {error} ({code})',
    'join.full': 'Este servidor está lleno ahora, para que sus reuniones mantengan la calidad. Inténtelo de nuevo en {s} s.',
    'join.mediaError': 'Cámara/micrófono no disponibles: {error}',

    'invalid.title': 'Este enlace de invitación no funciona',
    'invalid.body': 'Puede que quien le invitó lo haya revocado o eliminado, o que se haya copiado incompleto. Pídale una nueva invitación.',
    'invalid.joinByName': 'Unirse a una sala por su nombre y PIN',
    'invalid.status': 'Enlace de invitación no válido o revocado',

    'call.meeting': 'Reunión',
    'call.picture': 'Imagen de la reunión',
    'call.self': 'Su cámara',
    'call.controls': 'Controles de la llamada',
    'call.mute': 'Silenciar',
    'call.unmute': 'Activar micrófono',
    'call.cameraOff': 'Apagar cámara',
    'call.cameraOn': 'Encender cámara',
    'call.leave': 'Salir',
    'call.participants': 'Participantes',
    'call.you': '(usted)',
    'call.talking': '(hablando)',
    'call.inRoom': 'En la sala {room}',
    'call.unstable': 'Conexión inestable…',
    'call.reconnecting': 'Conexión perdida: reconectando (intento {n})…',
    'call.reconnected': 'Reconectado a {room} tras un corte de red',
    'call.reconnectFailed': 'No se pudo volver a la reunión',
    'quality.label': 'Calidad de la conexión',
    'quality.text': '{level} · pérdida {loss}% · RTT {rtt} ms',
    'quality.good': 'Buena',
    'quality.fair': 'Regular',
    'quality.poor': 'Mala',
    'quality.unknown': 'Midiendo',

    'ended.leftTitle': 'Ha salido de la reunión',
    'ended.leftBody': 'Puede volver a unirse con el mismo enlace.',
    'ended.leftStatus': 'Ha salido de la reunión',
    'ended.lostTitle': 'Se perdió la conexión',
    'ended.lostBody': 'No pudimos devolverle a la reunión. Compruebe su red y vuelva a unirse.',
    'ended.rejoin': 'Volver a unirse',
    'kicked.title': 'Su acceso ha sido revocado',
    'kicked.body': 'El propietario de esta sala revocó su invitación, por lo que ha salido de la reunión.',
    'kicked.status': 'Su acceso ha sido revocado',

    'manage.pageTitle': 'tpaas — gestión de VMR',
    'manage.tagline': 'Gestión de VMR',
    'manage.logout': 'Cerrar sesión',
    'manage.connecting': 'Conectando con el servicio…',
    'login.title': 'Inicie sesión con su cuenta de dispositivo',
    'login.username': 'Usuario',
    'login.password': 'Contraseña',
    'login.submit': 'Iniciar sesión',
    'login.missing': 'Escriba su usuario y su contraseña.',
    'login.wrong': 'Usuario o contraseña incorrectos.',
    'login.locked': 'Demasiados intentos fallidos. Inténtelo de nuevo en {s} segundos.',
    'login.failed': 'No se pudo iniciar sesión: {error}',
    'login.expired': 'Su sesión ha caducado. Vuelva a iniciar sesión.',

    'room.title': 'Gestión de VMR',
    'room.name': 'Nombre de la sala',
    'room.nameHint': 'De 3 a 32 caracteres: a–z, 0–9, punto y guion',
    'room.nameLength': 'Use de 3 a 32 caracteres.',
    'room.nameChars': 'Solo letras minúsculas a–z, dígitos, punto y guion.',
    'room.nameTaken': 'Ese nombre ya está en uso: elija otro.',
    'room.sipAddress': 'Dirección SIP',
    'room.pin': 'PIN',
    'room.pinHint': 'Vacío para no tener PIN, o exactamente 4 dígitos',
    'room.pinBad': 'El PIN está vacío o tiene exactamente 4 dígitos.',
    'room.layout': 'Diseño',
    'room.receiveCall': 'Recibir una llamada cuando un invitado entre en la sala',
    'room.receiveCallHint': 'Su dispositivo de vídeo registrado recibe una llamada a la sala cuando llega un invitado y usted no está.',
    'room.save': 'Guardar',
    'room.saved': 'Guardado',
    'room.nothing': 'No hay cambios que guardar',
    'room.saveFailed': 'No se pudo guardar: {error}',
    'layout.speaker': 'Orador',
    'layout.1p7': '1 + 7',
    'layout.2x2': '2 × 2',
    'layout.3x3': '3 × 3',

    'link.title': 'Su sala',
    'link.joinLink': 'Enlace para unirse',
    'link.meetingNumber': 'Número de reunión',
    'link.dialIp': 'Dirección IP para marcar',
    'link.open': 'Abrir mi sala en una pestaña nueva',
    'sip.password': 'Contraseña SIP de sus dispositivos de vídeo',
    'sip.new': 'Contraseña nueva',
    'sip.hint': 'Sus dispositivos se registran con su nombre de usuario y esta contraseña, nunca con la de inicio de sesión.',
    'sip.newTitle': '¿Crear una contraseña SIP nueva?',
    'sip.newText': 'La actual deja de funcionar en el acto: introduzca la nueva en cada dispositivo que se registra como usted.',
    'sip.newFailed': 'No se pudo crear una contraseña SIP nueva: {error}',

    'notify.explain': 'Reciba una notificación de escritorio cuando un invitado entre en su sala.',
    'notify.enable': 'Activar notificaciones',
    'notify.title': 'Un invitado entró en su sala',
    'notify.guestJoined': '{name} entró en su sala {room}',
    'notify.pinLocked': '{n} PIN incorrectos: la entrada con PIN a su sala {room} está bloqueada durante {min} min. Usted y sus enlaces de invitación siguen entrando.',

    'inv.title': 'Invitaciones',
    'inv.email': 'Correo electrónico',
    'inv.send': 'Enviar invitación',
    'inv.caption': 'Invitaciones a su sala, las más recientes primero',
    'inv.url': 'URL',
    'inv.created': 'Creada',
    'inv.state': 'Estado',
    'inv.mail': 'Correo',
    'inv.actions': 'Acciones',
    'inv.empty': 'Todavía no hay invitaciones.',
    'inv.state.active': 'Activa',
    'inv.state.revoked': 'Revocada',
    'inv.urlFor': 'Enlace de invitación de {email}',
    'inv.copyFor': 'Copiar el enlace de invitación de {email}',
    'inv.revoke': 'Revocar',
    'inv.revokeFor': 'Revocar la invitación de {email}',
    'inv.delete': 'Eliminar',
    'inv.deleteFor': 'Eliminar la invitación de {email}',
    'inv.badEmail': 'Escriba una dirección de correo válida.',
    'inv.failed': 'No se pudo invitar: {error}',
    'inv.createdToast': 'Invitación creada para {email}',
    'inv.mailNotSent': 'Se creó la invitación para {email}, pero no se pudo enviar el correo ({error}). Copie su enlace abajo y envíelo usted.',
    'inv.revokeTitle': '¿Revocar esta invitación?',
    'inv.revokeText': 'El enlace enviado a {email} deja de funcionar al momento y, si está en la sala, sale de ella. La invitación queda en la lista como revocada.',
    'inv.deleteTitle': '¿Eliminar esta invitación?',
    'inv.deleteText': 'El enlace enviado a {email} deja de funcionar al momento y la invitación se quita de la lista.',
    'inv.revoked': 'Invitación de {email} revocada',
    'inv.deleted': 'Invitación de {email} eliminada',
    'inv.actionFailed': 'No funcionó: {error}',
    'mail.queued': 'Enviando…',
    'mail.statusSent': 'Enviado',
    'mail.statusFailed': 'Falló: {error}',
    'mail.sent': 'Correo de invitación enviado a {email}',
    'mail.failed': 'No se pudo enviar el correo de invitación a {email}: {error}',
  },
};

export const LANGUAGES = { en: 'English', es: 'Español' };

function pick() {
  const q = new URLSearchParams(location.search).get('lang');
  if (q && STRINGS[q]) return q;
  for (const l of navigator.languages || [navigator.language || 'en']) {
    const base = String(l).toLowerCase().split('-')[0];
    if (STRINGS[base]) return base;
  }
  return 'en';
}

let current = pick();
const listeners = [];

export function lang() { return current; }

/** The string for key in the current language (English when missing), {name}s replaced from vars. */
export function t(key, vars = {}) {
  const s = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined && vars[k] !== null ? String(vars[k]) : m));
}

/** Translates the marked elements under root. */
export function applyI18n(root = document) {
  document.documentElement.lang = current;
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-aria]')) e.setAttribute('aria-label', t(e.dataset.i18nAria));
  for (const e of root.querySelectorAll('[data-i18n-placeholder]')) e.setAttribute('placeholder', t(e.dataset.i18nPlaceholder));
  const title = document.querySelector('meta[name="i18n-title"]');
  if (title) document.title = t(title.content);
}

export function onLangChange(fn) { listeners.push(fn); }

export function setLang(l) {
  if (!STRINGS[l] || l === current) return;
  current = l;
  const u = new URL(location.href);
  u.searchParams.set('lang', l);
  history.replaceState(history.state, '', u);
  applyI18n();
  listeners.forEach((fn) => fn(l));
}

/** Fills a <select> with the languages and switches on change. */
export function setupLangSwitch(select) {
  select.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => {
    const o = document.createElement('option');
    o.value = code;
    o.lang = code;
    o.textContent = name;
    o.selected = code === current;
    return o;
  }));
  select.addEventListener('change', () => setLang(select.value));
}

/** A Unix time (seconds) as a short local date and time in the current language. */
export function formatDateTime(unixSeconds) {
  if (!unixSeconds) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(unixSeconds * 1000));
}
