// The console's small browser helpers. Nothing here stores anything: no cookies, no local storage.
window.externalDb = {
    // Copies the text of an element (a public key, a new API key) to the clipboard.
    copyText: async function (id) {
        const element = document.getElementById(id);
        if (!element) {
            return false;
        }
        const text = element.value !== undefined && element.tagName !== 'DIV' ? element.value : element.textContent;
        try {
            await navigator.clipboard.writeText(text);
            return true;
        } catch {
            const range = document.createRange();
            range.selectNodeContents(element);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return false;
        }
    },
    focus: function (id) {
        const element = document.getElementById(id);
        if (element) {
            element.focus();
        }
    },
    // Saves text as a file (an export).
    download: function (name, type, text) {
        const url = URL.createObjectURL(new Blob([text], { type: type }));
        const link = document.createElement('a');
        link.href = url;
        link.download = name;
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
    },
};

// While someone works in a page, its session cookie slides: at most one ping a minute, only after activity.
(function () {
    let active = false;
    const mark = () => { active = true; };
    ['keydown', 'pointerdown', 'wheel'].forEach(type => window.addEventListener(type, mark, { passive: true, capture: true }));
    setInterval(async () => {
        if (!active || location.pathname.startsWith('/signin')) {
            return;
        }
        active = false;
        try {
            const response = await fetch('/console/keepalive', { credentials: 'same-origin', redirect: 'manual' });
            if (response.type === 'opaqueredirect' || response.status === 401) {
                location.href = '/signin?expired=true';
            }
        } catch {
            // The server is unreachable: Blazor's reconnection UI says so.
        }
    }, 60000);
})();
