package main

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"
)

//go:embed templates
var templateFS embed.FS

// pageNames are the pages, each a template defining "content" rendered
// inside templates/layout.html.
var pageNames = []string{"form", "confirmation", "cancel", "office", "message", "dsar", "verify"}

var weekdays = [...]string{"So", "Mo", "Di", "Mi", "Do", "Fr", "Sa"}

var funcs = template.FuncMap{
	// fmtTime writes a time as German readers expect: "Mo, 02.06.2025, 09:30 Uhr".
	"fmtTime": func(t time.Time) string {
		return weekdays[t.Weekday()] + ", " + t.Format("02.01.2006, 15:04") + " Uhr"
	},
	"fmtClock": func(t time.Time) string { return t.Format("15:04") },
}

// parsePages parses every page with the layout.
func parsePages() (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template, len(pageNames))
	for _, n := range pageNames {
		t, err := template.New(n).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, fmt.Errorf("booking: parsing page %s: %w", n, err)
		}
		pages[n] = t
	}
	return pages, nil
}

// page is what every page shows in the layout.
type page struct {
	Title      string
	Controller string
}

// render renders a page into a buffer first, so that a template error
// yields a clean 500 instead of half a page.
func (a *App) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := a.pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		a.log.Error("booking: rendering a page failed", "page", name, "error", err)
		http.Error(w, "Interner Fehler", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// messagePage is the data of templates/message.html.
type messagePage struct {
	page
	Class   string
	Message string
}

// message renders a short page saying msg; class is "ok" or "fail".
func (a *App) message(w http.ResponseWriter, status int, title, class, msg string) {
	a.render(w, status, "message", messagePage{page: a.page(title), Class: class, Message: msg})
}

func (a *App) page(title string) page { return page{Title: title, Controller: a.decl.Controller.Name} }

// internalError reports an unexpected failure. The log names the route and
// the error, never what the citizen entered.
func (a *App) internalError(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("booking: request failed", "route", r.Pattern, "error", err)
	a.message(w, http.StatusInternalServerError, "Fehler", "fail", "Das hat leider nicht geklappt. Bitte versuchen Sie es später erneut.")
}

// itoa formats n for a message.
func itoa(n int) string { return strconv.Itoa(n) }

//go:embed templates/style.css
var styleCSS []byte

func handleStyle(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(styleCSS)
}
