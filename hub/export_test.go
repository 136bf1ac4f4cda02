package hub

import (
	"io"

	"github.com/postpurchase/postpurchase"
)

// RenderOrder renders an order's page from a view as the handler does,
// without HTTP (for benchmarks).
func (h *Handler) RenderOrder(w io.Writer, v *postpurchase.OrderView, verified bool) error {
	return h.tmpl.ExecuteTemplate(w, "order", h.orderModel(v, v.Products, verified))
}

// OrderModel returns the page model of a view, and ExecuteOrder renders a
// model made beforehand: the same template on a static struct, the
// baseline of RenderOrder.
func (h *Handler) OrderModel(v *postpurchase.OrderView, verified bool) any {
	return h.orderModel(v, v.Products, verified)
}

func (h *Handler) ExecuteOrder(w io.Writer, model any) error {
	return h.tmpl.ExecuteTemplate(w, "order", model)
}
